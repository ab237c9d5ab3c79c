"""The JSONL inbox (a MentionSource) and outbox (a Publisher): the demo, tests, trying Slack."""

from bot.adapters.files._jsonl import JsonlInbox, JsonlOutbox, read_inbox

__all__ = ["JsonlInbox", "JsonlOutbox", "read_inbox"]
