"""Reports: how fast and how well the team answers (DESIGN §7).

Definitions, so that every surface (Slack, App Home, `careops report`) means the same:

- A case belongs to a period by when the customer posted.
- *Needing a reply*: every case except dismissed ones (spam, or a person decided no
  reply is due). Expired cases count as unanswered: nobody answered in time.
- *Time to first reply*: publication time minus post time. Median is the usual middle
  value; p90 is the nearest-rank 90th percentile.
- *Within 30 min / 2 h / same day*: share of cases needing a reply that were answered
  within that time; "same day" means within 24 hours of the post. These are the
  expectations customers state in the research (DESIGN §1).
- *Unanswered rate*: share of cases needing a reply with no published reply.
- *Sent unedited*: published replies whose draft came from a drafter (not `human:`)
  and was not an edit of another draft.
- *Targets breached*: answered later than the network's target, still unanswered past
  it, or flagged `breached` by the target check.
- *Per person*: the person who gave the (last) approval of a published reply.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from bot.core.models import AuditEntry, Case, CaseState, Draft, ReportRow, ReportTally
from bot.core.sla import SlaPolicy, humanize

BUCKETS = (
    ("30m", timedelta(minutes=30)),
    ("2h", timedelta(hours=2)),
    ("day", timedelta(hours=24)),
)


@dataclass(frozen=True)
class Figures:
    mentions: int = 0
    needing_reply: int = 0
    answered: int = 0
    median_seconds: float | None = None
    p90_seconds: float | None = None
    within_30m: float | None = None
    within_2h: float | None = None
    within_day: float | None = None
    unanswered_rate: float | None = None
    unedited: int = 0
    unedited_share: float | None = None
    breached: int = 0


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    overall: Figures
    by_network: dict[str, Figures] = field(default_factory=dict)
    by_person: dict[str, Figures] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str, Figures]]:
        """(scope, name, figures) in display order."""
        return [
            ("all", "all", self.overall),
            *(("network", n, f) for n, f in sorted(self.by_network.items())),
            *(("person", p, f) for p, f in sorted(self.by_person.items())),
        ]


def parse_since(text: str, now: datetime) -> datetime:
    """'7d', '12h', '90m' back from `now`, or an ISO date/time (UTC when no offset)."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes", "w": "weeks"}
    if text[:-1].isdigit() and text[-1:] in units:
        return now - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        parsed = datetime.fromisoformat(text.upper() if "t" in text else text)
    except ValueError:
        raise ValueError(f"not a period: {text!r} (try 7d, 24h or 2026-11-01)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)


def rank_at(share: float, count: int) -> int:
    """The nearest rank (1-based) of `share` among `count` ordered values."""
    return max(1, math.ceil(share * count))


def nearest_rank(values: Sequence[float], share: float) -> float:
    return sorted(values)[rank_at(share, len(values)) - 1]


def median_ranks(count: int) -> tuple[int, ...]:
    """The ranks (1-based) whose mean is the median of `count` ordered values."""
    middle = count // 2
    return (middle + 1,) if count % 2 else (middle, middle + 1)


def reply_seconds(row: ReportRow) -> float | None:
    if row.state is not CaseState.PUBLISHED or row.reply_seconds is None:
        return None
    return max(0.0, row.reply_seconds)


def sent_unedited(draft: Draft | None) -> bool:
    return draft is not None and not draft.drafter.startswith("human:") and not draft.edited_from


def approver(case: Case, audit: Sequence[AuditEntry] = ()) -> str | None:
    """Who approved the published reply: the case's approver, else the audit trail's."""
    if case.approved_by:
        return case.approved_by
    approvals = [a.actor for a in audit if a.to_state == CaseState.APPROVED.value]
    return approvals[-1] if approvals else None


def is_breached(row: ReportRow, sla: SlaPolicy) -> bool:
    """Flagged by the target check, or answered (else still open at the period's end)
    later than the network's target."""
    if row.flagged_breached:
        return True
    if row.state is CaseState.DISMISSED:
        return False
    answered = reply_seconds(row)
    waited = answered if answered is not None else row.age_seconds
    return waited > sla.target(row.network).total_seconds()


def tally_of(rows: Sequence[ReportRow], sla: SlaPolicy) -> ReportTally:
    """What a store counts in SQL (CareQueries.report_tallies), counted here of rows."""
    needing = [r for r in rows if r.state is not CaseState.DISMISSED]
    times = [t for r in needing if (t := reply_seconds(r)) is not None]
    published = [r for r in needing if r.state is CaseState.PUBLISHED]
    return ReportTally(
        mentions=len(rows),
        needing_reply=len(needing),
        published=len(published),
        answered=len(times),
        within=tuple(sum(t <= limit.total_seconds() for t in times) for _, limit in BUCKETS),
        unedited=sum(r.unedited for r in published),
        breached=sum(is_breached(r, sla) for r in needing),
    )


def figures_of(tally: ReportTally, time_at: Callable[[int], float]) -> Figures:
    """The figures of a tally; `time_at(rank)` is the first-reply time at that rank
    (1-based, in order) among the answered ones."""

    def share(count: int, total: int) -> float | None:
        return count / total if total else None

    median = p90 = None
    if tally.answered:
        middle = [time_at(rank) for rank in median_ranks(tally.answered)]
        median = middle[0] if len(middle) == 1 else (middle[0] + middle[1]) / 2
        p90 = time_at(rank_at(0.9, tally.answered))
    within = [share(count, tally.needing_reply) for count in tally.within]
    return Figures(
        mentions=tally.mentions,
        needing_reply=tally.needing_reply,
        answered=tally.answered,
        median_seconds=median,
        p90_seconds=p90,
        within_30m=within[0],
        within_2h=within[1],
        within_day=within[2],
        unanswered_rate=share(tally.needing_reply - tally.answered, tally.needing_reply),
        unedited=tally.unedited,
        unedited_share=share(tally.unedited, tally.published),
        breached=tally.breached,
    )


def figures(rows: Sequence[ReportRow], sla: SlaPolicy) -> Figures:
    needing = (r for r in rows if r.state is not CaseState.DISMISSED)
    times = sorted(t for r in needing if (t := reply_seconds(r)) is not None)
    return figures_of(tally_of(rows, sla), lambda rank: times[rank - 1])


def report_of(
    rows: Iterable[ReportRow], *, since: datetime, until: datetime, sla: SlaPolicy
) -> Report:
    """Figures for the rows of the cases posted in [since, until), overall, per network,
    per person."""
    chosen = list(rows)
    by_network: dict[str, list[ReportRow]] = {}
    by_person: dict[str, list[ReportRow]] = {}
    for row in chosen:
        by_network.setdefault(row.network.value, []).append(row)
        if row.state is CaseState.PUBLISHED:
            by_person.setdefault(row.person or "unknown", []).append(row)
    return Report(
        since=since,
        until=until,
        overall=figures(chosen, sla),
        by_network={n: figures(rs, sla) for n, rs in by_network.items()},
        by_person={p: figures(rs, sla) for p, rs in by_person.items()},
    )


def build_report(
    cases: Iterable[Case],
    drafts: Mapping[str, Draft],
    *,
    since: datetime,
    until: datetime,
    sla: SlaPolicy,
    audit: Callable[[str], Sequence[AuditEntry]] = lambda case_id: (),
) -> Report:
    """The report of whole cases (`drafts` by draft id): tests and small sets."""
    rows = [
        ReportRow(
            case.network,
            case.state,
            None
            if case.published_at is None
            else (case.published_at - case.mention.created_at).total_seconds(),
            (until - case.mention.created_at).total_seconds(),
            approver(case, audit(case.id)) if case.state is CaseState.PUBLISHED else None,
            "breached" in case.flags,
            sent_unedited(drafts.get(case.draft_id or "")),
        )
        for case in cases
        if since <= case.mention.created_at < until
    ]
    return report_of(rows, since=since, until=until, sla=sla)


# --- rendering ------------------------------------------------------------------------------

COLUMNS = (
    "mentions",
    "answered",
    "median",
    "p90",
    "≤30m",
    "≤2h",
    "same day",
    "unanswered",
    "unedited",
    "breached",
)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def duration(seconds: float | None) -> str:
    return "–" if seconds is None else humanize(timedelta(seconds=seconds))


def cells(f: Figures) -> list[str]:
    return [
        str(f.mentions),
        str(f.answered),
        duration(f.median_seconds),
        duration(f.p90_seconds),
        pct(f.within_30m),
        pct(f.within_2h),
        pct(f.within_day),
        pct(f.unanswered_rate),
        f"{f.unedited} ({pct(f.unedited_share)})",
        str(f.breached),
    ]


def to_markdown(report: Report) -> str:
    span = f"{report.since:%Y-%m-%d %H:%M} – {report.until:%Y-%m-%d %H:%M} UTC"
    lines = [
        f"# Care report, {span}",
        "",
        "| scope | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for scope, name, f in report.rows():
        label = "**all**" if scope == "all" else f"{scope}: {name}"
        lines.append(f"| {label} | " + " | ".join(cells(f)) + " |")
    lines += [
        "",
        "Shares are of mentions needing a reply (dismissed ones excluded); same day = "
        "within 24 h; per person = who approved the published reply.",
    ]
    return "\n".join(lines) + "\n"


CsvRow = tuple[str, str, Mapping[str, object]]  # scope, name, values by column


def to_csv(report: Report, extra: Sequence[CsvRow] = ()) -> str:
    """One table: the figures' rows, then `extra` rows (X spend) whose columns follow the
    figures' columns; a row leaves the other kind's columns empty."""
    out = io.StringIO()
    names = list(Figures.__dataclass_fields__)
    more = list(dict.fromkeys(column for _, _, values in extra for column in values))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "name", *names, *more])
    rows: list[CsvRow] = [(scope, name, asdict(f)) for scope, name, f in report.rows()]
    for scope, name, values in [*rows, *extra]:
        cells = [values.get(column) for column in (*names, *more)]
        writer.writerow([scope, name, *("" if v is None else v for v in cells)])
    return out.getvalue()


def to_text(figures: Figures) -> str:
    """One short paragraph for Slack or a digest."""
    return (
        f"{figures.mentions} mentions, {figures.answered} answered; "
        f"median first reply {duration(figures.median_seconds)}, "
        f"p90 {duration(figures.p90_seconds)}; "
        f"within 30 min {pct(figures.within_30m)}, 2 h {pct(figures.within_2h)}, "
        f"same day {pct(figures.within_day)}; unanswered {pct(figures.unanswered_rate)}; "
        f"sent unedited {pct(figures.unedited_share)}; targets breached {figures.breached}."
    )
