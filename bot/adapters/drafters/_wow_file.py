"""Reading prompts/wow.yaml, the gestures a brand offers for wow moments, into a WowBook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.gestures import Offer, WowBook

WOW_FILE = "wow.yaml"


class WowFileError(ValueError):
    """prompts/wow.yaml is not YAML or does not list gestures the way careops reads them."""


def load_wow(prompts_dir: Path) -> WowBook:
    """The WowBook of `<prompts_dir>/wow.yaml`; an empty one (moments flagged, nothing to
    suggest) when the file is absent, a clear WowFileError when it is wrong."""
    path = Path(prompts_dir) / WOW_FILE
    if not path.exists():
        return WowBook()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WowFileError(f"{path}: cannot read: {exc}") from None
    try:
        return _book(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise WowFileError(f"{path}: {exc}") from None


def _book(data: Any) -> WowBook:
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping, got {type(data).__name__}")
    gestures = data.get("gestures") or {}
    if not isinstance(gestures, dict):
        raise ValueError("gestures: expected a mapping of name -> label, cost, monthly_budget")
    offers = [_offer(str(key), value) for key, value in gestures.items()]
    suggest = data.get("suggest") or {}
    if not isinstance(suggest, dict):
        raise ValueError("suggest: expected a mapping of kind -> gesture")
    currency = str(data.get("currency", "$"))
    return WowBook.of(offers, {str(k): str(v) for k, v in suggest.items()}, currency)


def _offer(key: str, value: Any) -> Offer:
    if not isinstance(value, dict):
        raise ValueError(f"gesture {key}: expected label, cost and monthly_budget")
    label = value.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"gesture {key}: label must be text")
    numbers = []
    for name in ("cost", "monthly_budget"):
        number = value.get(name)
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"gesture {key}: {name} must be a number, got {number!r}")
        numbers.append(float(number))
    return Offer(key, label.strip(), numbers[0], numbers[1])
