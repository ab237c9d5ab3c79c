"""Mastodon (through Mastodon.py): mention notifications in (streamed as a doorbell, polled
from the cursor), replies out, one post by its link."""

from bot.adapters.mastodon._lookup import MastodonPostLookup
from bot.adapters.mastodon._network import MastodonPublisher, MastodonSource, mastodon_client
from bot.adapters.mastodon._stream import MastodonStream

__all__ = [
    "MastodonPostLookup",
    "MastodonPublisher",
    "MastodonSource",
    "MastodonStream",
    "mastodon_client",
]
