"""Drafters (offline templates; OpenAI or any compatible server) and the prompt files
(links.yaml, wow.yaml).

Each name is imported on first use: `careops lint` reads only the links file and never
pays for the offline drafter (and the drafting core behind it), nor for the openai SDK.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.adapters.drafters._offline import OfflineDrafter, load_offline_templates
    from bot.adapters.drafters._openai import OpenAIDrafter, build_drafter
    from bot.adapters.drafters._prompt_files import LinksFileError, load_light_tone, load_links
    from bot.adapters.drafters._wow_file import WowFileError, load_wow

# public name -> the private module that holds it
_HOME = {
    "LinksFileError": "_prompt_files",
    "load_links": "_prompt_files",
    "load_light_tone": "_prompt_files",
    "OfflineDrafter": "_offline",
    "load_offline_templates": "_offline",
    "OpenAIDrafter": "_openai",
    "build_drafter": "_openai",
    "WowFileError": "_wow_file",
    "load_wow": "_wow_file",
}

__all__ = [
    "LinksFileError",
    "OfflineDrafter",
    "OpenAIDrafter",
    "WowFileError",
    "build_drafter",
    "load_light_tone",
    "load_links",
    "load_offline_templates",
    "load_wow",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
