"""The Slack app manifest: what a workspace admin pastes to create the careops app.

`careops manifest` prints it as YAML. In HTTP mode Slack sends events, interactivity
and `/care` to one URL (`.../slack/events`); in Socket Mode no URL is needed.
"""

from __future__ import annotations

from typing import Any

import yaml

BOT_SCOPES = [
    "chat:write",  # post and update cards, thread notes
    "chat:write.public",  # post in the care channel without an invitation
    "reactions:read",  # ✅ ✏️ 🔁 🚫 👀 on cards
    "channels:history",  # thread replies on cards (public channel)
    "groups:history",  # thread replies on cards (private channel)
    "commands",  # /care
    "usergroups:read",  # approvers given as a user group
    "users:read",
    "im:write",  # direct messages to on-call people
    "usergroups:write",  # the on-call user group follows the rotation
    "files:write",  # /care stats uploads its chart
]
BOT_EVENTS = ["reaction_added", "message.channels", "message.groups", "app_home_opened"]


def manifest(
    *, name: str = "careops", url: str | None = None, socket_mode: bool = False
) -> dict[str, Any]:
    request_url = {} if socket_mode or not url else {"request_url": url}
    command: dict[str, Any] = {
        "command": "/care",
        "description": "careops: status, pause, resume, draft, on-call, crisis, stats",
        "usage_hint": "help | status | oncall | cover @user 2h | crisis on|off | stats 7d",
        "should_escape": True,  # `/care cover @maria` arrives as <@U123|maria>
        **({"url": url} if request_url else {}),
    }
    return {
        "display_information": {
            "name": name,
            "description": "Social customer care: mentions in, rule-checked replies out.",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "event_subscriptions": {**request_url, "bot_events": BOT_EVENTS},
            "interactivity": {"is_enabled": True, **request_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(**options: Any) -> str:
    return yaml.safe_dump(manifest(**options), sort_keys=False, allow_unicode=True)
