"""Evaluation metrics: careops drafts beside the brands' real replies to the same tweets.

`careops eval` lints both texts of every (customer tweet, brand reply) pair and feeds the
verdicts to a `Tally`; `comparison_table` prints the two tallies side by side. Pure
functions, so the numbers in a report are reproducible from the same inputs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core import triage_words as W
from bot.core.models import LintResult
from bot.core.text import without_handles, without_urls

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
    names_detail: int = 0  # replies that name something particular to the post
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
        post: str = "",
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
        self.names_detail += int(names_a_detail(post, text))
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
        (
            "names a detail of the post",
            _pct(ours.share(ours.names_detail)),
            _pct(theirs.share(theirs.names_detail)),
        ),
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


_DETAIL_WORD = re.compile(r"[^\W\d_]{4,}|\w*\d\w*")
# Words any reply may use about any post: they name nothing particular.
_CARE_WORDS = "thanks sorry please issue problem service customer support team hear about"
_COMMON = frozenset(" ".join((W.STOPWORDS["en"], W.ENGLISH_COMMON, _CARE_WORDS)).split())


def detail_words(post: str) -> frozenset[str]:
    """What is particular to a post: its words of four or more letters that are not
    common words, and its numbers and codes ("PX-48213", "3pm"), lower-cased."""
    plain = without_handles(without_urls(post)).lower().replace("’", "'")
    found = {w for w in _DETAIL_WORD.findall(plain) if w not in _COMMON}
    return frozenset(w[:-1] if w.endswith("s") and len(w) > 4 else w for w in found)


def names_a_detail(post: str, reply: str) -> bool:
    """Does the reply name something from the post ("the tracking hasn't moved",
    "order PX-48213") rather than only what every reply says?"""
    return bool(detail_words(post) & detail_words(reply)) if post else False


@dataclass
class IntentCheck:
    """Triage's intent against hand labels: a confusion matrix and per-class scores."""

    labels: tuple[str, ...] = ("complaint", "question", "praise", "feedback")
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (truth, predicted)

    def add(self, truth: str, predicted: str) -> None:
        if truth in self.labels:
            key = (truth, predicted)
            self.counts[key] = self.counts.get(key, 0) + 1

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def _count(self, truth: str | None, predicted: str | None) -> int:
        return sum(
            n
            for (t, p), n in self.counts.items()
            if (truth is None or t == truth) and (predicted is None or p == predicted)
        )

    def precision(self, label: str) -> float:
        found = self._count(None, label)
        return self._count(label, label) / found if found else 0.0

    def recall(self, label: str) -> float:
        real = self._count(label, None)
        return self._count(label, label) / real if real else 0.0

    def f1(self, label: str) -> float:
        p, r = self.precision(label), self.recall(label)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def macro_f1(self) -> float:
        present = [label for label in self.labels if self._count(label, None)]
        return sum(self.f1(label) for label in present) / len(present) if present else 0.0

    def table(self) -> str:
        predicted = [*self.labels, *sorted({p for _, p in self.counts} - set(self.labels))]
        lines = [
            "| hand label ↓ / triage → | " + " | ".join(predicted) + " | recall |",
            "|---|" + "---:|" * (len(predicted) + 1),
        ]
        for truth in self.labels:
            cells = " | ".join(str(self._count(truth, p)) for p in predicted)
            lines.append(f"| {truth} | {cells} | {_pct(self.recall(truth))} |")
        lines.append(
            "| precision | "
            + " | ".join(_pct(self.precision(p)) for p in predicted)
            + f" | macro F1 {self.macro_f1:.3f} |"
        )
        return "\n".join(lines)
