"""What a `/care` subcommand gets and gives back (shared by every subcommand module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk import WebClient

from bot.core.permissions import Action
from bot.core.services import Services

T = TypeVar("T")


@dataclass(frozen=True)
class CommandContext:
    """The narrow services, plus Slack's client and care channel when Slack is connected
    (card permalinks, chart uploads)."""

    services: Services
    client: WebClient | None = None
    channel: str = ""

    def refusal(self, action: Action, user_id: str) -> str | None:
        """The note for someone who may not run `action` (rules in bot.core.permissions)."""
        refused = self.services.actions.refused(action, user_id)
        return None if refused is None else refused.message


@dataclass(frozen=True)
class FollowUp(Generic[T]):
    """Work that must not hold up other Slack actions: `fetch` (network calls only, no
    store) runs away from the worker, then `finish(result)` runs on it like any action."""

    fetch: Callable[[], T]
    finish: Callable[[T], CommandReply]


@dataclass(frozen=True)
class CommandReply:
    text: str
    blocks: list[dict[str, Any]] | None = None
    follow_up: FollowUp[Any] | None = None  # slow work; its reply comes as a second answer


Subcommand = Callable[[CommandContext, str, str], CommandReply]
