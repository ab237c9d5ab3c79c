"""Threads (the Threads API, through the Graph client on httpx): mentions in, replies out
in two steps (a reply container, published when due)."""

from bot.adapters.threads._network import ThreadsSource
from bot.adapters.threads._publisher import CONTAINER, ThreadsPublisher

__all__ = ["CONTAINER", "ThreadsPublisher", "ThreadsSource"]
