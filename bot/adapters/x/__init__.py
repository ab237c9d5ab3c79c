"""X (API v2 through tweepy): mentions in, replies out, one post by its link, spend metered."""

from bot.adapters.x._lookup import XPostLookup
from bot.adapters.x._meter import XMeter
from bot.adapters.x._network import XPublisher, XSource, x_client

__all__ = ["XMeter", "XPostLookup", "XPublisher", "XSource", "x_client"]
