"""What intake checks and cleans before a post may become a case.

`mention_from` is the one gate every source goes through: it takes a network's raw
fields (JSON values, SDK attributes) and returns a Mention, or raises `BadMention`
with a reason a person understands. Each field must already have the right type:
`"id": NaN` or `"author": ["a", "b"]` is refused, never turned into `nan` or a string
of a list. The source quarantines the post with that reason and moves past it.
"""

from __future__ import annotations

import json
import re
import reprlib
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

from bot.core.models import Mention, Network, storable

MAX_TEXT_CHARS = 25_000
MAX_ID_CHARS = 1_000  # an at:// URI with a long did:web is a few hundred characters
MAX_HANDLE_CHARS = 320  # user@domain, the domain up to 253
MAX_URL_CHARS = 2_048
# A post stamped outside these is a broken clock or junk; beyond them date sums overflow.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# Control characters (Unicode category Cc) other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What binary junk is made of: control characters, lone surrogates (and the U+FFFD they
# become), private-use code points.
_BINARY = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]"
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Invisible formatting: zero-width characters, bidi marks, embeddings, overrides, isolates.
_INVISIBLE = r"\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
# Never inside an id, a handle or a link: white space, control characters, invisible
# formatting (a handle with a right-to-left override reads as another), lone surrogates.
_NOT_IN_NAME = re.compile(rf"[\s\x00-\x1f\x7f-\x9f{_INVISIBLE}\ud800-\udfff]")


class BadMention(ValueError):
    """Why a post cannot become a Mention: the reason its quarantine row keeps."""


def mention_from(
    network: object,
    *,
    external_id: object,
    author_handle: object,
    text: object,
    created_at: object,
    author_name: object = None,
    url: object = None,
    in_reply_to: object = None,
    conversation_id: object = None,
    context: object = (),
    summoned: object = True,
    meta: object = None,
) -> Mention:
    """A Mention from raw fields, each checked for its type and content; BadMention if not.

    Ids may be text or whole numbers (some SDKs turn numeric ids into ints); handles
    lose a leading `@`. Lone surrogates (text that cannot be stored as UTF-8) become
    U+FFFD in what people read (text, name, thread) and refuse the post in ids, handles,
    links and metadata.
    """
    return Mention(
        network=_network(network),
        external_id=_identifier("id", external_id, MAX_ID_CHARS),
        author_handle=_handle(author_handle),
        author_name=_readable("author name", author_name, optional=True),
        text=_readable("text", text),
        created_at=_when(created_at),
        url=_url(url),
        in_reply_to=_optional_identifier("in_reply_to", in_reply_to),
        conversation_id=_optional_identifier("conversation_id", conversation_id),
        context=_context(context),
        summoned=_flag("summoned", summoned),
        meta=_meta(meta),
    )


def _kind(value: object) -> str:
    """A JSON-minded name for what a field held instead."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return f"the text {value[:20]!r}"
    return f"a {type(value).__name__}"


def _network(value: object) -> Network:
    if isinstance(value, Network):
        return value
    if not isinstance(value, str):
        raise BadMention(f"network must be text, not {_kind(value)}")
    try:
        return Network(value.strip().lower())
    except ValueError:
        raise BadMention(f"unknown network {value[:40]!r}") from None


def _identifier(name: str, value: object, limit: int, *, numbers: bool = True) -> str:
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        also = " or a whole number" if numbers else ""
        raise BadMention(f"{name} must be text{also}, not {_kind(value)}")
    if not value.strip():
        raise BadMention(f"missing {name}")
    if len(value) > limit:
        raise BadMention(f"{name} too long ({len(value):,} chars > {limit:,})")
    found = _NOT_IN_NAME.search(value)
    if found:
        raise BadMention(f"{name} contains {_what(found.group())} at {found.start()}")
    return value


def _what(char: str) -> str:
    if _SURROGATE.match(char):
        return "a lone surrogate (not valid Unicode)"
    if char.isspace():
        return "white space"
    return "a control character" if unicodedata.category(char) == "Cc" else "invisible formatting"


def _optional_identifier(name: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    return _identifier(name, value, MAX_ID_CHARS)


def _handle(value: object) -> str:
    if isinstance(value, str):
        value = value.strip().lstrip("@")
    if value == "":
        raise BadMention("missing author")
    return _identifier("author", value, MAX_HANDLE_CHARS, numbers=False)


def _readable(name: str, value: object, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise BadMention(f"{name} must be text, not {_kind(value)}")
    return storable(value)


def _url(value: object) -> str:
    if value is None or value == "":
        return ""
    return _identifier("url", value, MAX_URL_CHARS, numbers=False)


def _when(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise BadMention(f"created_at must be a time, not {_kind(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadMention("created_at has no time zone")
    if not EARLIEST <= value < LATEST:
        raise BadMention(f"created_at {value.isoformat()} is not a plausible time")
    return value


def _context(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise BadMention(f"context must be a list of texts, not {_kind(value)}")
    return tuple(_readable("context", item) for item in value)


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise BadMention(f"{name} must be true or false, not {_kind(value)}")
    return value


def _meta(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadMention(f"meta must be an object, not {_kind(value)}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise BadMention(f"meta {str(key)[:40]!r} must be text, not {_kind(item)}")
        if _SURROGATE.search(key + item):
            raise BadMention(f"meta {key[:40]!r} is not valid Unicode (lone surrogate)")
    return dict(value)


def raw_preview(value: object, limit: int = 4_000) -> str:
    """What quarantine keeps of a post it refused: JSON where it can be written, else repr."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = reprlib.repr(value)
    return storable(text[:limit])


def problem_with(mention: Mention, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why a mention cannot become a case, or None. Kept apart so tests can hit each reason.

    Mentions from the sources passed `mention_from` already; this also catches one made
    any other way (a test, a lookup) that could not be stored.
    """
    if not mention.external_id.strip():
        return "missing post id"
    if not mention.author_handle.strip():
        return "missing author"
    if not mention.text.strip():
        return "empty text"
    if len(mention.text) > max_chars:
        return f"text too long ({len(mention.text)} chars > {max_chars})"
    controls = len(_BINARY.findall(mention.text))
    if controls > max(3, len(mention.text) // 10):
        return "text looks binary (control characters)"
    names = "".join(
        (mention.external_id, mention.author_handle, mention.url, *mention.meta.values())
    )
    if not names.isascii() and _SURROGATE.search(names):
        return "id, author, link or metadata is not valid Unicode (lone surrogate)"
    return None


def clean_text(text: str) -> str:
    """NFC-normalised, control characters other than newline and tab removed, lone
    surrogates replaced by U+FFFD."""
    if text.isascii():
        return _CONTROL.sub("", text)
    text = storable(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text)


def with_clean_text(mention: Mention) -> Mention:
    """The mention with clean text, name and thread; the same object when nothing changed."""
    text = clean_text(mention.text)
    name = clean_text(mention.author_name)
    context = tuple(map(clean_text, mention.context))
    if text == mention.text and name == mention.author_name and context == mention.context:
        return mention
    return replace(mention, text=text, author_name=name, context=context)
