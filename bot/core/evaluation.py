"""Evaluation metrics: careops drafts beside the brands' real replies to the same tweets.

`careops eval` lints both texts of every (customer tweet, brand reply) pair and feeds the
verdicts to a `Tally`; `comparison_table` prints the two tallies side by side. Pure
functions, so the numbers in a report are reproducible from the same inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.models import LintResult

# The rules judged from the text alone (link and length are counted separately).
TEXT_RULES: tuple[str, ...] = ("thanks", "solution", "not_defensive", "human")
ALL_RULES: tuple[str, ...] = (*TEXT_RULES, "link", "length")


@dataclass
class Tally:
    """Counts over a set of replies; every share is over `n`."""

    n: int = 0
    passed: dict[str, int] = field(default_factory=dict)
    all_text_rules: int = 0
    length_violations: int = 0
    with_link: int = 0
    links_valid: int = 0  # every link in the reply is in links.yaml
    total_chars: int = 0
    drafters: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        lint: LintResult,
        *,
        text: str,
        links_found: int,
        links_allowed: bool,
        too_long: bool,
        drafter: str = "",
    ) -> None:
        self.n += 1
        verdicts = {c.rule: c.ok for c in lint.checks}
        for rule in ALL_RULES:
            self.passed[rule] = self.passed.get(rule, 0) + int(verdicts.get(rule, False))
        self.all_text_rules += int(all(verdicts.get(rule, False) for rule in TEXT_RULES))
        self.length_violations += int(too_long)
        self.with_link += int(links_found > 0)
        self.links_valid += int(links_allowed)
        self.total_chars += len(text)
        if drafter:
            self.drafters[drafter] = self.drafters.get(drafter, 0) + 1

    def share(self, count: int) -> float:
        return count / self.n if self.n else 0.0

    def rule_rate(self, rule: str) -> float:
        return self.share(self.passed.get(rule, 0))

    @property
    def mean_length(self) -> float:
        return self.total_chars / self.n if self.n else 0.0


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def comparison_rows(ours: Tally, theirs: Tally) -> list[tuple[str, str, str]]:
    rows = [
        (f"rule: {rule}", _pct(ours.rule_rate(rule)), _pct(theirs.rule_rate(rule)))
        for rule in ALL_RULES
    ]
    rows += [
        (
            "all text rules",
            _pct(ours.share(ours.all_text_rules)),
            _pct(theirs.share(theirs.all_text_rules)),
        ),
        ("length violations", str(ours.length_violations), str(theirs.length_violations)),
        ("has a link", _pct(ours.share(ours.with_link)), _pct(theirs.share(theirs.with_link))),
        (
            "links all in links.yaml",
            _pct(ours.share(ours.links_valid)),
            _pct(theirs.share(theirs.links_valid)),
        ),
        ("mean length (chars)", f"{ours.mean_length:.0f}", f"{theirs.mean_length:.0f}"),
    ]
    return rows


def comparison_table(
    ours: Tally, theirs: Tally, labels: Sequence[str] = ("careops", "brand")
) -> str:
    """A markdown table: one row per metric, careops drafts beside the brands' replies."""
    head = f"| metric (n={ours.n}) | {labels[0]} | {labels[1]} |"
    lines = [head, "|---|---:|---:|"]
    lines += [f"| {name} | {a} | {b} |" for name, a, b in comparison_rows(ours, theirs)]
    return "\n".join(lines)


def drafter_summary(tally: Tally) -> str:
    """ "openai:gpt-4o-mini 480, offline 20" — who wrote the drafts."""
    ranked = sorted(tally.drafters.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {count}" for name, count in ranked)
