"""Drafters (offline templates; OpenAI or any compatible server) and the prompt files.

The OpenAI drafter is imported on first use: `careops lint` and the offline demo never
pay for loading the openai SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.adapters.drafters._offline import OfflineDrafter, load_offline_templates
from bot.adapters.drafters._prompt_files import LinksFileError, load_links

if TYPE_CHECKING:
    from bot.adapters.drafters._openai import OpenAIDrafter, build_drafter

__all__ = [
    "LinksFileError",
    "OfflineDrafter",
    "OpenAIDrafter",
    "build_drafter",
    "load_links",
    "load_offline_templates",
]


def __getattr__(name: str) -> Any:
    if name in ("OpenAIDrafter", "build_drafter"):
        from bot.adapters.drafters import _openai

        return getattr(_openai, name)
    raise AttributeError(name)
