"""Slack: the bolt app (Socket Mode or HTTP), cards, reactions, /care, App Home, the manifest."""

from bot.adapters.slack._manifest import manifest_yaml
from bot.adapters.slack._runtime import (
    EVENTS_PATH,
    SlackOptions,
    SlackRuntime,
    SlackSide,
    slack_side,
)

__all__ = [
    "EVENTS_PATH",
    "SlackOptions",
    "SlackRuntime",
    "SlackSide",
    "manifest_yaml",
    "slack_side",
]
