"""Wow moments: chances to delight a customer (DESIGN §1, "commit random acts of wow").

Triage flags four kinds, each from the post and the customer's history:

- *milestone*: a birthday, a wedding, a new baby, a first order, an anniversary with us
  (and a few more life events), in a post that is not a complaint;
- *loyal*: a customer who praised us in three or more earlier weeks writes again,
  warmly (loyalty shows over weeks, not in one long chat);
- *thanks_after_solved*: thanks in words that say the case was put right ("it's
  sorted, thank you", "my parcel finally came, thanks!"), not by the customer alone;
  when careops answered their last case lately, the line says which;
- *bad_day*: a customer having a terrible day over something small, who is not
  complaining to us (no money, outage or risk in it, not angry).

A false wow on a complaint is the worst error (a gift offered to someone who wanted an
answer), so nothing is flagged on a complaint (a rough day included), nor in a
crisis, on a risk or in a post to many accounts at once, and the phrase tables
(bot/core/wow_phrases.py) are narrow: precision first
(docs/drafting.md has the figures). A person may still spot a moment the tables miss:
a 🎁 on any card records it as *spotted*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core import wow_phrases as P
from bot.core.models import Intent, Mention, Network, Triage
from bot.core.people import History, span
from bot.core.risk import RISKS

LOYAL_PRAISE = 3  # earlier praise posts that make a loyal customer
WARM = -0.1  # a milestone or a loyal customer's post must be at least this warm


class WowKind(StrEnum):
    MILESTONE = "milestone"
    LOYAL = "loyal"
    THANKS_AFTER_SOLVED = "thanks_after_solved"
    BAD_DAY = "bad_day"
    SPOTTED = "spotted"  # a person saw one the tables did not

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    WowKind.MILESTONE: "milestone",
    WowKind.LOYAL: "loyal customer",
    WowKind.THANKS_AFTER_SOLVED: "thanks after a solved case",
    WowKind.BAD_DAY: "a rough day over something small",
    WowKind.SPOTTED: "spotted by the team",
}


@dataclass(frozen=True)
class Wow:
    kind: WowKind
    why: str  # "new baby", "4 earlier praise posts" ...


@dataclass(frozen=True)
class WowMoment:
    """A wow moment as kept: which case, what kind, why, when, whose."""

    case_id: str
    kind: WowKind
    why: str
    at: datetime
    network: Network
    author: str


@dataclass(frozen=True)
class Gesture:
    """A gesture made for a moment (prompts/wow.yaml names the offers), once per case."""

    case_id: str
    offer: str  # the offer's key in prompts/wow.yaml
    label: str
    cost: float
    user: str
    at: datetime
    over_budget: bool = False  # made past the month's budget, by an approver


# Tags that rule a moment out: a person in trouble, money or an outage at stake, sarcasm.
# ("angry" is not one: a rough day reads as very negative; shouting is checked instead.)
SERIOUS_TAGS = frozenset({*RISKS, "money", "outage", "sarcasm"})
BROADCAST = 4  # @-handles past which a post is a broadcast, not a word to us
FURIOUS = -0.9  # a rough day beyond this is more than something small
# Topics that are never "something small": money, an account, personal data, an outage.
BIG_TOPICS = frozenset({"billing", "refund", "account", "privacy", "outage"})


def detect(
    mention: Mention, triage: Triage, history: History, now: datetime, *, crisis: bool = False
) -> Wow | None:
    """The wow moment in a post, if there is one (None in a crisis, for spam, on a risk)."""
    if crisis or triage.intent in (Intent.SPAM, Intent.COMPLAINT):
        return None  # a complaint wants an answer first, never a gift
    if SERIOUS_TAGS & set(triage.tags):
        return None
    if mention.text.count("@") > BROADCAST:
        return None  # a post to many accounts at once is no personal moment with us
    text = " ".join(mention.text.lower().replace("’", "'").split())
    warm = triage.sentiment >= WARM
    if warm:
        for why, pattern in P.MILESTONES.items():
            if pattern.search(text):
                return Wow(WowKind.MILESTONE, why)
    if (solved := _thanks_for_solving(text, history, now)) is not None:
        return solved
    loyal = _praise_weeks(history)
    if warm and loyal >= LOYAL_PRAISE:
        return Wow(WowKind.LOYAL, f"praised us in {loyal} earlier weeks")
    if P.BAD_DAY.search(text):
        small = triage.topic not in BIG_TOPICS and triage.sentiment > FURIOUS
        if small and not _shouting(mention.text):
            return Wow(WowKind.BAD_DAY, "a rough day over something small")
    return None


def _thanks_for_solving(text: str, history: History, now: datetime) -> Wow | None:
    """Thanks in words that say the case was put right, not by the customer alone."""
    if not P.THANKS.search(text) and not P.RESOLVED.search(text):
        return None
    if P.RESOLVED.search(text) is None or P.SELF_SOLVED.search(text) or "?" in text:
        return None
    if not P.THANKS.search(text) and not P.GRATEFUL.search(text):
        return None
    solved = history.solved_recently(now)
    if solved is not None and solved.intent in (Intent.COMPLAINT, Intent.QUESTION):
        topic = solved.topic if solved.topic != "general" else solved.intent.value
        ago = span(now - solved.posted_at)
        return Wow(WowKind.THANKS_AFTER_SOLVED, f"thanks {ago} after their {topic} case")
    return Wow(WowKind.THANKS_AFTER_SOLVED, "thanks: their problem was put right")


def _praise_weeks(history: History) -> int:
    """Weeks in which the customer praised us before: loyalty shows over weeks, not in
    one long chat."""
    praised = (c.posted_at for c in history.contacts.recent if c.intent is Intent.PRAISE)
    return len({at.isocalendar()[:2] for at in praised})


def _shouting(text: str) -> bool:
    """ "!!!" or mostly capitals: anger, which a gift does not answer."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return "!!!" in text or (len(letters) >= 12 and upper > 0.7 * len(letters))
