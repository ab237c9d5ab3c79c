"""Mastodon (through Mastodon.py): mention notifications in, replies out, one post by its link."""

from bot.adapters.mastodon._lookup import MastodonPostLookup
from bot.adapters.mastodon._network import MastodonPublisher, MastodonSource, mastodon_client

__all__ = ["MastodonPostLookup", "MastodonPublisher", "MastodonSource", "mastodon_client"]
