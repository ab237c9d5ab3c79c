"""Text between customers and Slack's mrkdwn.

Slack treats `<...>` as markup: `<!channel>` pings everyone, `<https://evil|bank>` forges
a link. Escaping `&`, `<` and `>` (the three characters Slack asks apps to escape)
makes any customer text inert; bidi overrides and isolates are shown as visible marks
(`bot.core.card.neutralise_bidi`), so a post cannot reorder what the card says. Text
typed by people in Slack arrives escaped the same way and with links wrapped in `<...>`;
`slack_to_plain` turns it back into what they meant, so an edited draft reads like the
person wrote it.
"""

from __future__ import annotations

import re

from bot.core.card import neutralise_bidi

SECTION_LIMIT = 3000  # characters in one Block Kit text object


def escape_mrkdwn(text: str) -> str:
    """Inert in mrkdwn, and in reading order: bidi overrides are shown as marks."""
    text = neutralise_bidi(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_mrkdwn(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def slack_to_plain(text: str) -> str:
    """A message as Slack delivers it → the text the person typed.

    `<https://a.example|a.example>` → `https://a.example`, `<mailto:x@y|x@y>` → `x@y`,
    user and channel references keep their label, then entities are unescaped.
    """

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("http://", "https://")):
            return target
        if label:
            return label
        return target.lstrip("@#!")

    return unescape_mrkdwn(_SLACK_LINK.sub(plain, text))


def clip(text: str, limit: int) -> str:
    """Cut text to `limit` characters, marking the cut, without splitting an entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")


def link(url: str, label: str) -> str:
    """A mrkdwn link if the URL is a plain http(s) URL; otherwise the escaped label."""
    if url and _SAFE_URL.match(url):
        return f"<{url.replace('&', '&amp;')}|{escape_mrkdwn(label)}>"
    return escape_mrkdwn(label)


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def who(user: str) -> str:
    """A Slack user id as a mention (`<@U123>`), anything else ("terminal") as text."""
    return f"<@{user}>" if _USER_ID.match(user) else escape_mrkdwn(user)


def quote(text: str) -> str:
    """Escaped text as a mrkdwn block quote."""
    return "\n".join("> " + line if line else ">" for line in escape_mrkdwn(text).split("\n"))
