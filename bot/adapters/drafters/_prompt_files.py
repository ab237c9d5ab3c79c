"""Reading prompts/links.yaml, the allowlist of help links, into a core LinkBook, and
brand.md's light-tone line."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.rules import LinkBook
from bot.core.tone import ToneError, light_tone_scopes

LINKS_FILE = "links.yaml"


class LinksFileError(ValueError):
    """prompts/links.yaml is missing, not YAML, or not a mapping of topic -> http(s) URL."""


def load_links(prompts_dir: Path) -> LinkBook:
    """The LinkBook from `<prompts_dir>/links.yaml`; a clear LinksFileError when it is bad."""
    path = Path(prompts_dir) / LINKS_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LinksFileError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LinksFileError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise LinksFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not data:
        kind = "empty" if data is None else type(data).__name__
        raise LinksFileError(f"{path}: expected a mapping of topic -> URL, got {kind}")
    try:
        return LinkBook.from_mapping(data)
    except ValueError as exc:
        raise LinksFileError(f"{path}: {exc}") from None


def load_light_tone(prompts_dir: Path) -> frozenset[str]:
    """What `<prompts_dir>/brand.md` allows a light tone for (bot/core/tone.py): `praise`,
    `wow`, or nothing (no brand.md, no line). A line granting more raises ToneError."""
    path = Path(prompts_dir) / "brand.md"
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset()
    except (OSError, UnicodeDecodeError) as exc:
        raise ToneError(f"{path}: cannot read: {exc}") from None
    try:
        return light_tone_scopes(source)
    except ToneError as exc:
        raise ToneError(f"{path}: {exc}") from None
