"""The JSONL inbox (a MentionSource) and outbox (a Publisher): the demo, tests, trying Slack."""

from bot.adapters.files._jsonl import JsonlInbox, JsonlOutbox

__all__ = ["JsonlInbox", "JsonlOutbox"]
