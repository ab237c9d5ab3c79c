"""Bluesky (AT Protocol through atproto): notifications in, replies out, one post by its link."""

from bot.adapters.bluesky._lookup import BlueskyPostLookup
from bot.adapters.bluesky._network import BlueskyPublisher, BlueskySession, BlueskySource

__all__ = ["BlueskyPostLookup", "BlueskyPublisher", "BlueskySession", "BlueskySource"]
