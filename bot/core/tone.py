"""Humour where it fits: a light, playful tone for praise and wow moments, never for a
complaint, a risk case or in crisis mode (DESIGN §1: "be human and at times apply
humour").

The brand says where it allows a light tone in prompts/brand.md, on a line of its own
that the model never sees (a Jinja comment):

    {# light tone: praise, wow #}

Only `praise` and `wow` may be named; a line naming anything else (a complaint, risk,
crisis ...) is refused when the file is read, so the brand voice cannot grant what the
rule forbids. Without the line no reply may be playful. The reply linter
(bot/core/rules.py, the *human* rule) then fails a playful reply ("haha", 😂, "pun
intended" ...) on any case the brand does not allow it for, and always on a complaint,
a risk case and in crisis mode, whatever the file says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.models import Intent, RuleCheck
from bot.core.risk import RISKS

PRAISE, WOW = "praise", "wow"
ALLOWED = frozenset({PRAISE, WOW})
NEVER = ("complaint", "risk", "crisis")
_LINE = re.compile(r"\{#-?\s*light tone:(?P<scopes>[^#]*?)\s*-?#\}", re.IGNORECASE)

PLAYFUL = re.compile(
    r"(?<![\w'])(?:ha(?:ha)+h?|he(?:he)+|lol|lmao|rofl|jk|just kidding|no pun intended"
    r"|pun intended|couldn'?t resist|wink wink)(?![\w'])"
    r"|[\U0001F602\U0001F923\U0001F606\U0001F605\U0001F61C\U0001F61D\U0001F61B\U0001F609"
    r"\U0001F643\U0001F973\U0001F389\U0001F38A\U0001F60E\U0001F92A]"  # 😂🤣😆😅😜😝😛😉🙃🥳🎉🎊😎🤪
    r"|;-?\)",
    re.IGNORECASE,
)


class ToneError(ValueError):
    """A light-tone line in brand.md that names something the rule forbids."""


def light_tone_scopes(brand_source: str) -> frozenset[str]:
    """What brand.md allows a light tone for (`praise`, `wow`); empty without the line."""
    found = _LINE.search(brand_source)
    if found is None:
        return frozenset()
    if len(_LINE.findall(brand_source)) > 1:
        raise ToneError("more than one light tone line: keep one")
    scopes = [s.strip().lower() for s in found["scopes"].split(",") if s.strip()]
    wrong = [s for s in scopes if s not in ALLOWED]
    if wrong:
        never = ", ".join(NEVER)
        raise ToneError(
            f"a light tone may be allowed for praise and wow moments only, not"
            f" {', '.join(wrong)} (never for {never})"
        )
    return frozenset(scopes)


def light_tone_ok(
    intent: Intent | None, tags: Iterable[str], *, crisis: bool, scopes: frozenset[str]
) -> bool:
    """May this case's reply be playful? Never in a crisis, on a complaint or a risk."""
    tags = set(tags)
    if crisis or intent is Intent.COMPLAINT or tags & set(RISKS):
        return False
    return (PRAISE in scopes and intent is Intent.PRAISE) or (WOW in scopes and WOW in tags)


def check_tone(words: str, plain: str) -> RuleCheck | None:
    """The failed *human* verdict for a playful reply where no light tone is allowed."""
    found = PLAYFUL.search(words)
    if found is None:
        return None
    start, end = found.span()  # the phrase as the reply wrote it, when lower() kept offsets
    phrase = plain[start:end] if len(plain) == len(words) else found.group()
    return RuleCheck(
        "human", False, f"playful “{phrase}”: a light tone is for praise and wow moments only"
    )
