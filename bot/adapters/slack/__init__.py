"""Slack: the bolt app (Socket Mode or HTTP), cards, reactions, /care, App Home, the manifest."""

from bot.adapters.slack._manifest import manifest_yaml
from bot.adapters.slack._ops_commands import usergroup_setter
from bot.adapters.slack._runtime import EVENTS_PATH, SlackRuntime, build_runtime

__all__ = ["EVENTS_PATH", "SlackRuntime", "build_runtime", "manifest_yaml", "usergroup_setter"]
