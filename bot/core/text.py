"""Small text helpers shared by the linter, triage and guardrails: URLs, handles, graphemes.

All patterns are compiled once at import time: the linter runs on every draft.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex

Span = tuple[int, int, str]  # start, end, URL

# An http(s) URL is a run of non-space characters after the scheme. Trailing sentence
# punctuation ("see https://x.example/help.") is not part of it, as on the networks.
# Patterns open with a character class or literal, not a look-behind: then the engine
# skips ahead to candidate characters in C instead of trying every position (3-20x).
_URL = re.compile(r"[hH](?<![\w@/][hH])[tT][tT][pP][sS]?://[^\s<>\"'`]+")
_URL_TAIL = ".,;:!?)]}'\"…>*_"

# @handle, @handle.bsky.social or @user@instance.social; never inside an e-mail address.
_HANDLE = re.compile(
    r"@(?<![\w@./]@)([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
    r"(?:@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?)"
)
_GRAPHEME = regex.compile(r"\X")


def _trim_url(raw: str) -> str:
    url = raw.rstrip(_URL_TAIL)
    # Keep a closing parenthesis that closes one opened inside the URL (wiki-style links).
    if raw[len(url) : len(url) + 1] == ")" and url.count("(") > url.count(")"):
        url += ")"
    return url


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """What `_URL.finditer` finds, found from each "://" instead: the scheme ends right
    before it, so the pattern is tried at two places per link rather than at every "h"."""
    done = 0  # matches never overlap: the next one starts at or after the last end
    at = text.find("://")
    while at != -1:
        for start in (at - 5, at - 4):  # "https" or "http"
            match = _URL.match(text, start) if start >= done else None
            if match is not None:
                yield match
                done = match.end()
                break
        at = text.find("://", max(at + 3, done))


def url_spans(text: str) -> list[Span]:
    """(start, end, url) for each http(s) URL, trailing punctuation excluded."""
    spans: list[Span] = []
    if "://" not in text:  # most text has no link: skip the regex
        return spans
    for match in _url_matches(text):
        url = _trim_url(match.group())
        if len(url) > url.index("//") + 2:  # "https://" alone is not a link
            spans.append((match.start(), match.start() + len(url), url))
    return spans


@lru_cache(maxsize=1024)
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


# Between two ASCII characters there is always a grapheme boundary (except CR LF), so
# only stretches around non-ASCII characters need the (slow) full segmentation.
_NON_ASCII_STRETCH = re.compile(r"(?:[\x00-\x7f]?[^\x00-\x7f])+[\x00-\x7f]?")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _non_ascii_stretches(text: str) -> list[str]:
    """`_NON_ASCII_STRETCH.findall(text)`, 10x faster: that pattern opens on an optional
    ASCII character, so the engine tries it at every position. A stretch starts at the
    character before the next non-ASCII one (or at that one, when the previous stretch
    ended right before it): found by a search that skips ahead in C, then matched there."""
    stretches: list[str] = []
    at = 0
    while (found := _NON_ASCII.search(text, at)) is not None:
        start = found.start()
        stretch = _NON_ASCII_STRETCH.match(text, start - 1 if start > at else start)
        assert stretch is not None  # a non-ASCII character always starts one
        stretches.append(stretch.group())
        at = stretch.end()
    return stretches


def _count_graphemes(text: str) -> int:
    count = len(text) - text.count("\r\n")
    if text.isascii():
        return count
    for stretch in _non_ascii_stretches(text):
        count -= len(stretch) - len(_GRAPHEME.findall(stretch))
    return count


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


# X's weighted counting (twitter-text v3): these ranges weigh 1, everything else 2.
_X_HEAVY = regex.compile(r"[^\u0000-\u10FF\u2000-\u200D\u2010-\u201F\u2032-\u2037]")
# An emoji, with its modifiers, joiners and flags, counts 2 on X however many code points.
_X_EMOJI = regex.compile(
    r"[0-9#*]\uFE0F?\u20E3"
    r"|(?=[\p{Regional_Indicator}]|[\p{Extended_Pictographic}--[\u0000-\u10FF]])\X",
    regex.V1,
)


def _x_extra_weight(stretch: str) -> int:
    """How much more than one per code point X counts for a non-ASCII stretch."""
    weight = 0
    emoji = _X_EMOJI.findall(stretch)
    if emoji:
        weight = sum(2 - len(e) for e in emoji)
        stretch = _X_EMOJI.sub("", stretch)
    return weight + len(_X_HEAVY.findall(stretch))


def x_weighted_length(text: str, url_weight: int, spans: list[Span] | None = None) -> int:
    """X's count: NFC, each URL `url_weight`, each emoji 2, CJK and most scripts 2.

    `spans` (from url_spans) saves a second scan when the caller already has them.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        spans = None
    spans = url_spans(text) if spans is None else spans
    rest = without_urls(text, "", spans) if spans else text
    total = url_weight * len(spans) + len(rest)
    if rest.isascii():
        return total
    return total + sum(map(_x_extra_weight, _non_ascii_stretches(rest)))


_ASCII_UPPER = string.ascii_uppercase.encode()
_ASCII_LETTERS = string.ascii_letters.encode()
_LETTER = regex.compile(r"\p{L}")
_UPPER = regex.compile(r"\p{Lu}")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def count_letters(text: str) -> tuple[int, int]:
    """(upper-case letters, letters); bytes.translate makes the ASCII case nearly free."""
    raw = text.encode("ascii", "ignore")  # the ASCII characters: counted by bytes
    upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    if len(raw) < len(text):  # the rest, usually a few accents or emoji: by regex
        rest = "".join(_NON_ASCII_RUN.findall(text))
        upper += len(_UPPER.findall(rest))
        letters += len(_LETTER.findall(rest))
    return upper, letters
