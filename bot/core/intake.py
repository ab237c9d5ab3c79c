"""What intake checks and cleans before a mention may become a case."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.core.models import Mention

MAX_TEXT_CHARS = 25_000
# Control characters (Unicode category Cc) other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What binary junk is made of: control characters, lone surrogates, private-use code points.
_BINARY = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)


def problem_with(mention: Mention, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why a mention cannot become a case, or None. Kept apart so tests can hit each reason."""
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
    return None


def clean_text(text: str) -> str:
    """NFC-normalised, control characters other than newline and tab removed."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text)


def with_clean_text(mention: Mention) -> Mention:
    """The mention with clean text; the same object when there was nothing to clean."""
    text = clean_text(mention.text)
    context = tuple(map(clean_text, mention.context))
    if text == mention.text and context == mention.context:
        return mention
    return replace(mention, text=text, context=context)
