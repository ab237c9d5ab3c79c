"""Wow moments: chances to delight a customer (DESIGN §1, "commit random acts of wow").

Triage flags four kinds, each from the post and the customer's history:

- *milestone*: a birthday, a wedding, a new baby, a first order, an anniversary with us
  (and a few more life events), in a post that is not a complaint;
- *loyal*: a customer with several earlier praise posts writes again, not to complain;
- *thanks_after_solved*: thanks soon after their last case was answered;
- *bad_day*: a customer having a terrible day over something small (no money, outage
  or risk in it, not angry).

A false wow on a complaint is the worst error (a gift offered to someone who wanted an
answer), so every kind but *bad_day* leaves complaints alone, nothing is flagged in a
crisis or on a risk, and the phrase tables are narrow: precision first
(docs/drafting.md has the figures). A person may still spot a moment the tables miss:
a 🎁 on any card records it as *spotted*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'])(?:{'|'.join(phrases)})(?![\w'])")


_NUMBER = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|\d+(?:st|nd|rd|th))"
MILESTONES: dict[str, re.Pattern[str]] = {
    "birthday": _words(r"birthday", r"b-?day", r"bday", r"turn(?:s|ed|ing) \d\d"),
    "wedding": _words(
        r"wedding",
        r"got married",
        r"getting married",
        r"just married",
        r"honeymoon",
        r"newlyweds?",
        r"(?:got|just got|we're|we are|i'm|i am) engaged",
        r"she said yes",
    ),
    "new baby": _words(
        r"new baby",
        r"newborn",
        r"baby (?:girl|boy) (?:is here|arrived)",
        r"had (?:a|our) baby",
        r"(?:i'm|i am|we're|we are) (?:pregnant|expecting)",
        r"baby shower",
        r"welcomed (?:our|a) (?:baby|son|daughter)",
    ),
    "first order": _words(
        r"(?:my|our) (?:very )?first (?:ever )?(?:order|purchase)",
        r"first time (?:ordering|buying|shopping|using)",
        r"new customer here",
    ),
    "anniversary with us": _words(
        rf"{_NUMBER} years? (?:with you|as (?:a|your) customer|of (?:being )?(?:a )?customer)",
        rf"customer (?:for|since) (?:{_NUMBER} years|\d{{4}})",
        r"loyal customer since",
    ),
    "anniversary": _words(r"anniversary"),
    "graduation": _words(r"graduat(?:ed|ion|ing)", r"passed my (?:exams?|finals|driving test)"),
    "new home": _words(r"(?:our|my) (?:new|first) (?:home|house|flat|apartment)", r"moved in"),
    "new job": _words(r"(?:my|a) new job", r"got the job", r"got promoted", r"retir(?:ed|ement)"),
}
BAD_DAY = _words(
    r"(?:worst|terrible|horrible|awful|rough|bad|crappy|shitty|long|miserable) "
    r"(?:day|morning|week|monday)(?: ever)?",
    r"day from hell",
    r"the day i'm having",
    r"can'?t catch a break",
    r"just my luck",
    r"of all days",
    r"to top it (?:all )?off",
)
THANKS = _words(r"thanks?", r"thank you", r"thx", r"ty", r"cheers", r"appreciate(?:d)?")
# Tags that rule a moment out: a person in trouble, money or an outage at stake, sarcasm.
# ("angry" is not one: a rough day reads as very negative; shouting is checked instead.)
SERIOUS_TAGS = frozenset({*RISKS, "money", "outage", "sarcasm"})
FURIOUS = -0.9  # a rough day beyond this is more than something small
# Topics that are never "something small": money, an account, personal data, an outage.
BIG_TOPICS = frozenset({"billing", "refund", "account", "privacy", "outage"})


def detect(
    mention: Mention, triage: Triage, history: History, now: datetime, *, crisis: bool = False
) -> Wow | None:
    """The wow moment in a post, if there is one (None in a crisis, for spam, on a risk)."""
    if crisis or triage.intent is Intent.SPAM or SERIOUS_TAGS & set(triage.tags):
        return None
    text = " ".join(mention.text.lower().replace("’", "'").split())
    complaint = triage.intent is Intent.COMPLAINT
    warm = not complaint and triage.sentiment >= WARM
    if warm:
        for why, pattern in MILESTONES.items():
            if pattern.search(text):
                return Wow(WowKind.MILESTONE, why)
    thanks = triage.intent is Intent.PRAISE or (warm and THANKS.search(text) is not None)
    solved = history.solved_recently(now) if thanks and not complaint else None
    if solved is not None and solved.intent in (Intent.COMPLAINT, Intent.QUESTION):
        topic = solved.topic if solved.topic != "general" else solved.intent.value
        ago = span(now - solved.posted_at)
        return Wow(WowKind.THANKS_AFTER_SOLVED, f"thanks {ago} after their {topic} case")
    praised = history.count(Intent.PRAISE)
    if warm and praised >= LOYAL_PRAISE:
        return Wow(WowKind.LOYAL, f"{praised} earlier praise posts")
    if BAD_DAY.search(text) and triage.intent in (Intent.COMPLAINT, Intent.FEEDBACK):
        small = triage.topic not in BIG_TOPICS and triage.sentiment > FURIOUS
        if small and not _shouting(mention.text):
            return Wow(WowKind.BAD_DAY, "a rough day over something small")
    return None


def _shouting(text: str) -> bool:
    """ "!!!" or mostly capitals: anger, which a gift does not answer."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return "!!!" in text or (len(letters) >= 12 and upper > 0.7 * len(letters))
