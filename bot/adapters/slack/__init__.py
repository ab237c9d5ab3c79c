"""Slack: the bolt app (Socket Mode or HTTP), cards, reactions, /care, App Home, the manifest,
and the action journal.

Each name is imported on first use: `careops purge` scrubs the action journal without
importing slack_bolt and the Slack SDK (0.28 s of its start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.adapters.slack._journal import ActionJournal, journal_path
    from bot.adapters.slack._manifest import manifest_yaml
    from bot.adapters.slack._runtime import (
        EVENTS_PATH,
        SlackOptions,
        SlackRuntime,
        SlackSide,
        slack_side,
    )

# public name -> the private module that holds it
_HOME = {
    "ActionJournal": "_journal",
    "journal_path": "_journal",
    "manifest_yaml": "_manifest",
    "EVENTS_PATH": "_runtime",
    "SlackOptions": "_runtime",
    "SlackRuntime": "_runtime",
    "SlackSide": "_runtime",
    "slack_side": "_runtime",
}

__all__ = [
    "EVENTS_PATH",
    "ActionJournal",
    "SlackOptions",
    "SlackRuntime",
    "SlackSide",
    "journal_path",
    "manifest_yaml",
    "slack_side",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
