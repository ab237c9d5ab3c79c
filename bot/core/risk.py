"""Risk classes: posts a template must not answer carelessly (DESIGN §7, issue of trust).

Each class raises the case's priority and puts a risk line on the card. Safety and
self-harm page the on-call person; self-harm and legal threats are answered by a person
(the offline drafter writes no template for them, and the card says why).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RiskClass:
    tag: str
    label: str
    guidance: str  # the card's risk line: what the person answering should do
    page_oncall: bool = False
    by_hand: bool = False


RISKS: dict[str, RiskClass] = {
    r.tag: r
    for r in (
        RiskClass(
            "self_harm",
            "self-harm",
            "the post mentions harming themselves: a person answers with care, "
            "and points to crisis help where it fits",
            page_oncall=True,
            by_hand=True,
        ),
        RiskClass(
            "safety",
            "safety",
            "someone may be in danger (injury, fire, medication, an emergency): "
            "answer quickly, ask if they are safe",
            page_oncall=True,
        ),
        RiskClass(
            "legal",
            "legal threat",
            "the post threatens legal action: a person answers, without admitting fault "
            "or arguing; involve whoever handles claims",
            by_hand=True,
        ),
        RiskClass(
            "harassment",
            "harassment",
            "abuse or harassment (by staff, by another person, or aimed at us): "
            "stay calm, take reports seriously, never answer in kind",
        ),
        RiskClass(
            "account_compromise",
            "account compromise",
            "the account may be in someone else's hands: move to a private channel, "
            "never ask for passwords or codes in public",
        ),
        RiskClass(
            "large_audience",
            "large audience",
            "the author has a large following: the reply will be widely seen",
        ),
    )
}

LARGE_AUDIENCE = 10_000  # followers; adapters put the count in Mention.meta["followers"]

_PATTERNS: dict[str, re.Pattern[str]] = {
    tag: re.compile(rf"\b(?:{pattern})\b")
    for tag, pattern in {
        "self_harm": r"kill(?:ing)?\s+myself|suicid\w*|end(?:ing)?\s+(?:my|it)\s+(?:life|all)"
        r"|self[-\s]?harm\w*|hurt(?:ing)?\s+myself|want(?:ed)?\s+to\s+die"
        r"|(?:do\s*n[o']?t|no\s+longer)\s+want\s+to\s+(?:live|be\s+here)|overdos\w*"
        r"|can'?t\s+go\s+on|take\s+my\s+(?:own\s+)?life",
        "safety": r"injur\w*|hurt|(?:on|caught|a)\s+fire|danger\w*|unsafe|emergency|ambulance"
        r"|hospital|bleeding|gas\s+leak|smoke|allerg\w*|anaphyla\w*|food\s+poisoning|choking|poison\w*"
        r"|medication|medicine|insulin|prescription|inhaler|epipen|assault\w*|attacked"
        r"|(?:a|with\s+a)\s+(?:gun|knife)|not\s+safe|in\s+pain",
        "legal": r"lawyers?|solicitors?|attorneys?|sue|suing|court|legal\s+action|lawsuit"
        r"|ombudsman|trading\s+standards|small\s+claims|class\s+action|see\s+you\s+in\s+court"
        r"|report(?:ing)?\s+you\s+to|regulator|consumer\s+protection",
        "harassment": r"harass\w*|stalk\w*|groped|touch(?:ed|ing)\s+my|racis[tm]\w*|sexis[tm]"
        r"|homophob\w*|slurs?|threaten(?:ed|ing)\s+me|fuck\s+you|bitch(?:es)?|cunts?"
        r"|kill\s+you|abus(?:e|ed|ive)",
        "account_compromise": r"hack(?:ed|er|ers)|someone\s+(?:got\s+into|logged\s+into|accessed"
        r"|is\s+using|has\s+access\s+to|changed)\s+my|compromised|unauthori[sz]ed"
        r"|account\s+(?:was\s+|has\s+been\s+)?(?:stolen|taken\s+over)|phishing"
        r"|not\s+me\s+who|didn'?t\s+(?:make|authori[sz]e)\s+(?:this|that|these|the)",
    }.items()
}


class _Post(Protocol):
    """What risk reads of a mention (models import this module: no import back)."""

    @property
    def meta(self) -> Mapping[str, str]: ...


def detect_risks(mention: _Post, text: str) -> tuple[str, ...]:
    """Risk tags of a mention, in RISKS order. `text` is its lower-cased words."""
    found = [tag for tag, pattern in _PATTERNS.items() if pattern.search(text)]
    if (follower_count(mention.meta) or 0) >= LARGE_AUDIENCE or mention.meta.get(
        "verified"
    ) == "true":
        found.append("large_audience")
    return tuple(tag for tag in RISKS if tag in found)


def follower_count(meta: Mapping[str, str]) -> int | None:
    """The author's followers as the network gave them (None when it did not)."""
    value = meta.get("followers", "")
    return int(value) if value.isdigit() else None


def followers_meta(count: object) -> dict[str, str]:
    """`{"followers": "514020"}` for Mention.meta from a network's follower count, when it
    is one (a whole number, not a flag or text); `{}` otherwise."""
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        return {"followers": str(count)}
    return {}


def risks_in(tags: Iterable[str]) -> tuple[RiskClass, ...]:
    return tuple(RISKS[t] for t in tags if t in RISKS)


def by_hand_reason(tags: Iterable[str]) -> str:
    """Why a person must write this reply ("" when a draft may be written for it)."""
    reasons = [r.guidance for r in risks_in(tags) if r.by_hand]
    return "; ".join(reasons)


def risk_lines(tags: Iterable[str]) -> tuple[str, ...]:
    """One line per risk for the card: "<label>: <guidance>"."""
    return tuple(f"{r.label}: {r.guidance}" for r in risks_in(tags))
