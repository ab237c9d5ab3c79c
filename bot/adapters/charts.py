"""The report as a PNG a person reads at a glance (matplotlib, headless Agg backend).

Left: how much was answered within 30 min, 2 h and the same day, per network and
overall, against the research's customer expectations. Right: median and p90 time to
first reply. The title carries the period, volume, unanswered rate and breaches.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, safe in a server or a test

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.core.reports import Figures, Report, pct

BUCKET_LABELS = ("≤ 30 min", "≤ 2 h", "same day")
COLOURS = ("#2a9d8f", "#e9c46a", "#f4a261")


def _scopes(report: Report) -> list[tuple[str, Figures]]:
    return [("all", report.overall), *sorted(report.by_network.items())]


def _shares(f: Figures) -> list[float]:
    return [v or 0.0 for v in (f.within_30m, f.within_2h, f.within_day)]


def report_figure(report: Report) -> Figure:
    scopes = _scopes(report)
    names = [name for name, _ in scopes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5), constrained_layout=True)
    height = 0.8 / len(BUCKET_LABELS)
    for i, (label, colour) in enumerate(zip(BUCKET_LABELS, COLOURS, strict=True)):
        ys = [n + i * height for n in range(len(names))]
        values = [_shares(f)[i] * 100 for _, f in scopes]
        bars = left.barh(ys, values, height=height, color=colour, label=label)
        left.bar_label(bars, labels=[f"{v:.0f}%" for v in values], padding=2, fontsize=8)
    left.set_yticks([n + height for n in range(len(names))], names)
    left.invert_yaxis()
    left.set_xlim(0, 110)
    left.set_xlabel("% of mentions needing a reply, answered within")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8)
    left.set_title("Answered in time")
    _times(right, scopes)
    o = report.overall
    fig.suptitle(
        f"Care report {report.since:%d %b} – {report.until:%d %b %Y}: {o.mentions} mentions, "
        f"{pct(o.unanswered_rate)} unanswered, {o.breached} targets breached, "
        f"{pct(o.unedited_share)} sent unedited",
        fontsize=11,
    )
    return fig


def _times(axis: Axes, scopes: list[tuple[str, Figures]]) -> None:
    names = [name for name, _ in scopes]
    medians = [(f.median_seconds or 0) / 60 for _, f in scopes]
    p90s = [(f.p90_seconds or 0) / 60 for _, f in scopes]
    ys = range(len(names))
    axis.barh([y + 0.2 for y in ys], p90s, height=0.4, color="#e76f51", label="p90")
    axis.barh([y - 0.2 for y in ys], medians, height=0.4, color="#264653", label="median")
    for y, (m, p) in enumerate(zip(medians, p90s, strict=True)):
        axis.text(m, y - 0.2, f" {m:.0f}m", va="center", fontsize=8)
        axis.text(p, y + 0.2, f" {p:.0f}m", va="center", fontsize=8)
    axis.axvline(30, color="grey", linestyle=":", linewidth=1)
    axis.axvline(120, color="grey", linestyle="--", linewidth=1)
    axis.set_yticks(list(ys), names)
    axis.invert_yaxis()
    axis.set_xlabel("minutes to first reply (lines: 30 min, 2 h)")
    axis.set_xlim(0, max([*p90s, 120.0]) * 1.15)
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8)
    axis.set_title("Time to first reply")


def report_png(report: Report) -> bytes:
    """The chart as PNG bytes (for a file or a Slack upload)."""
    fig = report_figure(report)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()
    finally:
        plt.close(fig)
