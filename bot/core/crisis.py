"""Crisis: spot a spike of unhappy mentions early, and keep the channel readable during one.

The spike detector compares the last few minutes with a rolling baseline (the day
before them). It alerts when both are true:

- *rate*: at least `min_count` mentions in the window and `rate_factor` times what the
  baseline rate predicts for a window that long;
- *mood*: the share of negative mentions in the window is at least `negative_share`
  and `negative_lift` above the baseline's share.

A burst of praise (a viral happy post) is busy but not a crisis; a steady trickle of
complaints is the normal job. Both together are what a crisis looks like early.

During a crisis many people say the same thing; `group_similar` folds those mentions
into groups so one card (with a bulk approve) stands for each group. `CrisisGrouper`
(bot/core/crisis_groups.py) makes the same decision one case at a time as cases
arrive, and remembers it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import NEGATIVE_SENTIMENT, Case, CaseState, Intent
from bot.core.review import ReviewOutcome


@dataclass(frozen=True)
class Observation:
    at: datetime
    negative: bool
    text: str


@dataclass(frozen=True)
class SpikeConfig:
    window: timedelta = timedelta(minutes=5)
    baseline: timedelta = timedelta(hours=24)
    rate_factor: float = 4.0
    min_count: int = 10
    negative_share: float = 0.5
    negative_lift: float = 0.15


@dataclass(frozen=True)
class Spike:
    at: datetime
    count: int
    expected: float  # mentions the baseline rate predicts for one window
    negative_share: float
    baseline_negative_share: float
    samples: tuple[str, ...]
    words: tuple[tuple[str, int], ...]

    def summary(self) -> str:
        words = ", ".join(f"{w} ({n})" for w, n in self.words) or "none stand out"
        lines = [
            f"Possible crisis: {self.count} mentions in the last few minutes "
            f"(about {self.expected:.1f} expected), {self.negative_share:.0%} negative "
            f"(usually {self.baseline_negative_share:.0%}).",
            f"Common words: {words}",
            *(f"> {sample}" for sample in self.samples),
            "If this is a crisis: `/care crisis on <reason>`.",
        ]
        return "\n".join(lines)


def is_negative(case: Case) -> bool:
    """A complaint, or a clearly unhappy mention, counts towards the negative share."""
    if case.triage is None:
        return False
    return case.triage.intent is Intent.COMPLAINT or case.triage.sentiment <= NEGATIVE_SENTIMENT


def observations(cases: Iterable[Case]) -> list[Observation]:
    """Mentions as the detector sees them: post time, mood, text."""
    return [Observation(c.mention.created_at, is_negative(c), c.mention.text) for c in cases]


def detect_spike(
    seen: Sequence[Observation], now: datetime, config: SpikeConfig = SpikeConfig()
) -> Spike | None:
    """A Spike when the window ending at `now` is a rate-and-mood spike, else None."""
    window_start = now - config.window
    baseline_start = window_start - config.baseline
    current = [o for o in seen if window_start < o.at <= now]
    before = [o for o in seen if baseline_start < o.at <= window_start]
    expected = len(before) * (config.window / config.baseline)
    if len(current) < config.min_count or len(current) < config.rate_factor * expected:
        return None
    share = _negative_share(current)
    usual = _negative_share(before)
    if share < config.negative_share or share < usual + config.negative_lift:
        return None
    texts = [o.text for o in current if o.negative]
    return Spike(now, len(current), expected, share, usual, _samples(texts), common_words(texts))


def _negative_share(items: Sequence[Observation]) -> float:
    return sum(o.negative for o in items) / len(items) if items else 0.0


def inert(text: str) -> str:
    """Customer text made safe to quote in any chat: no markup brackets, one line.

    Angle brackets become look-alikes, so a post can never become `<!channel>` or a
    link in Slack, whatever surface shows the message.
    """
    return " ".join(text.replace("<", "‹").replace(">", "›").split())


def _samples(texts: Sequence[str], limit: int = 3) -> tuple[str, ...]:
    """The latest few distinct texts, shortened for a DM."""
    picked: list[str] = []
    for text in reversed(texts):
        short = inert(text)[:200]
        if short not in picked:
            picked.append(short)
        if len(picked) == limit:
            break
    return tuple(picked)


# --- words and similarity --------------------------------------------------------------------

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@[\w.\-]+")
_WORD = re.compile(r"[^\W\d_][\w']*[^\W_]|[^\W\d_]")
_STOPWORD_TEXT = """a about after again all also am an and any are as at be because been
    before being
    but by can could did do does doing don't for from get got had has have having he her
    here hers him his how i i'm if in into is it it's its just me more most my no not now
    of off on once only or other our out over own same she so some still such than that
    the their them then there these they this those through to too under until up very
    was we were what when where which while who why will with would you your yours
    you're im dont cant ive amp rt please thanks thank hi hey"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lower-case words without links, @handles, numbers and stop words."""
    text = _HANDLE.sub(" ", _URL.sub(" ", text.lower()))
    return [w for w in _WORD.findall(text) if len(w) > 2 and w not in STOPWORDS]


def common_words(texts: Iterable[str], limit: int = 6) -> tuple[tuple[str, int], ...]:
    """Words that come up in the most texts (each text counts a word once)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(tokens(text)))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple((w, n) for w, n in ranked[:limit] if n > 1)


def word_set(text: str) -> frozenset[str]:
    return frozenset(tokens(text))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def group_similar(
    items: Sequence[tuple[str, str]], threshold: float = 0.4
) -> list[tuple[str, ...]]:
    """Group (id, text) pairs whose words overlap; each id lands in exactly one group.

    Greedy and order-preserving: an item joins the first group whose first member it
    resembles (Jaccard similarity of word sets >= threshold), else starts a new group.
    """
    groups: list[tuple[frozenset[str], list[str]]] = []
    for item_id, text in items:
        words = word_set(text)
        for head, members in groups:
            if similarity(words, head) >= threshold:
                members.append(item_id)
                break
        else:
            groups.append((words, [item_id]))
    return [tuple(members) for _, members in groups]


@dataclass(frozen=True)
class BulkOutcome:
    approved: int
    waiting: int
    refused: tuple[str, ...]  # "case id: why" for each case that could not be approved

    @property
    def message(self) -> str:
        parts = [f"{self.approved} approved"]
        if self.waiting:
            parts.append(f"{self.waiting} waiting for a second approver")
        if self.refused:
            parts.append(f"{len(self.refused)} not approved")
        return ", ".join(parts) + "."


def bulk_approve(
    approve: Callable[[str, str], ReviewOutcome], case_ids: Iterable[str], user: str
) -> BulkOutcome:
    """Approve every case of a group with one click (`approve` is ReviewService.approve)."""
    approved = waiting = 0
    refused: list[str] = []
    for case_id in case_ids:
        outcome = approve(case_id, user)
        if not outcome.ok:
            refused.append(f"{case_id}: {outcome.message}")
        elif outcome.case is not None and outcome.case.state is CaseState.IN_REVIEW:
            waiting += 1  # crisis: a second, different approver is still needed
        else:
            approved += 1
    return BulkOutcome(approved, waiting, tuple(refused))
