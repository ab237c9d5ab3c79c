"""Small text helpers shared by the linter, triage and guardrails: URLs, handles, graphemes."""

from __future__ import annotations

import re
import unicodedata

import regex

Span = tuple[int, int, str]  # start, end, URL

# An http(s) URL is a run of non-space characters after the scheme. Trailing sentence
# punctuation ("see https://x.example/help.") is not part of it, as on the networks.
_URL = re.compile(r"(?<![\w@/])[hH][tT][tT][pP][sS]?://[^\s<>\"'`]+")
_URL_TAIL = ".,;:!?)]}'\"…>*_"

# @handle, @handle.bsky.social or @user@instance.social; never inside an e-mail address.
_HANDLE = re.compile(
    r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
    r"(?:@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?)"
)
_GRAPHEME = regex.compile(r"\X")


def _trim_url(raw: str) -> str:
    url = raw.rstrip(_URL_TAIL)
    # Keep a closing parenthesis that closes one opened inside the URL (wiki-style links).
    if raw[len(url) : len(url) + 1] == ")" and url.count("(") > url.count(")"):
        url += ")"
    return url


def url_spans(text: str) -> list[Span]:
    """(start, end, url) for each http(s) URL, trailing punctuation excluded."""
    spans: list[Span] = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if len(url) > url.index("//") + 2:  # "https://" alone is not a link
            spans.append((match.start(), match.start() + len(url), url))
    return spans


def url_key(url: str) -> str:
    """A URL for comparison: no trailing punctuation or slash, scheme and host lower-cased."""
    url = url.strip().rstrip(".,;:!?)]}'\"…").rstrip("/")
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}"


def urls_in(text: str) -> list[str]:
    """Every http(s) URL in the text, in order, without trailing punctuation."""
    return [url for _, _, url in url_spans(text)]


def without_urls(text: str, replacement: str = " ", spans: list[Span] | None = None) -> str:
    """The text with every URL replaced (for checks that must not look inside links)."""
    spans = url_spans(text) if spans is None else spans
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end, _ in spans:
        parts.append(text[last:start])
        parts.append(replacement)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def handles_in(text: str) -> list[str]:
    """Every @-mentioned handle, in order, without the "@" (URLs are not searched).

    Covers X (@name), Bluesky (@name.bsky.social) and Mastodon (@user@instance) forms.
    """
    return _HANDLE.findall(without_urls(text))


def without_handles(text: str, replacement: str = " ") -> str:
    return _HANDLE.sub(replacement, text)


def _count_graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def grapheme_length(
    text: str, *, url_weight: int | None = None, spans: list[Span] | None = None
) -> int:
    """User-perceived characters (extended grapheme clusters), as Bluesky counts them;
    with `url_weight`, every URL counts that much instead (Mastodon)."""
    if url_weight is None:
        spans = []
    elif spans is None:
        spans = url_spans(text)
    if spans:
        text = without_urls(text, "", spans)
    return _count_graphemes(text) + len(spans) * (url_weight or 0)


# An emoji as a person sees one: a pictograph or flag with its modifiers and joiners.
_EMOJI = regex.compile(
    r"[0-9#*]\uFE0F?\u20E3|(?=[\p{Regional_Indicator}]|\p{Extended_Pictographic})\X", regex.V1
)


def threads_length(text: str) -> int:
    """Threads' count: characters (code points), each emoji as its UTF-8 bytes
    ("Emojis are counted as the number of UTF-8 bytes": 👍 is 4, ❤️ is 6).

    Threads shortens no links, so a URL counts in full."""
    emoji = _EMOJI.findall(text)
    if not emoji:
        return len(text)
    rest = _EMOJI.sub("", text)
    return len(rest) + sum(len(e.encode("utf-8")) for e in emoji)


# X's weighted counting (twitter-text v3): these ranges weigh 1, everything else 2.
_X_HEAVY = regex.compile(r"[^\u0000-\u10FF\u2000-\u200D\u2010-\u201F\u2032-\u2037]")
# An emoji, with its modifiers, joiners and flags, counts 2 on X however many code points.
_X_EMOJI = regex.compile(
    r"[0-9#*]\uFE0F?\u20E3"
    r"|(?=[\p{Regional_Indicator}]|[\p{Extended_Pictographic}--[\u0000-\u10FF]])\X",
    regex.V1,
)


def _x_extra_weight(text: str) -> int:
    """How much more than one per code point X counts for the text."""
    emoji = _X_EMOJI.findall(text)
    weight = sum(2 - len(e) for e in emoji)
    return weight + len(_X_HEAVY.findall(_X_EMOJI.sub("", text)))


def x_weighted_length(text: str, url_weight: int, spans: list[Span] | None = None) -> int:
    """X's count: NFC, each URL `url_weight`, each emoji 2, CJK and most scripts 2.

    `spans` (from url_spans of this text) saves a second scan when the caller has them.
    """
    normal = unicodedata.normalize("NFC", text)
    if spans is None or normal != text:
        spans = url_spans(normal)
    rest = without_urls(normal, "", spans)
    return url_weight * len(spans) + len(rest) + _x_extra_weight(rest)


_LETTER = regex.compile(r"\p{L}")
_UPPER = regex.compile(r"\p{Lu}")


def count_letters(text: str) -> tuple[int, int]:
    """(upper-case letters, letters)."""
    return len(_UPPER.findall(text)), len(_LETTER.findall(text))
