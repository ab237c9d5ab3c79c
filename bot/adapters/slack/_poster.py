"""Posting to Slack: every message careops posts goes through `SlackPoster`.

Slack allows about one message per second per channel, so new messages wait for their
channel's next slot (`ChannelPacer`); a 429 answer is retried after the `Retry-After`
seconds Slack names (`RetryAfterHandler`). Card updates (`chat.update`) edit a message
already there and are not paced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

log = logging.getLogger(__name__)


def split_ref(ref: str) -> tuple[str, str]:
    """'C123/1700000000.000100' → ('C123', '1700000000.000100')."""
    channel, _, ts = ref.partition("/")
    return channel, ts


def make_ref(channel: str, ts: str) -> str:
    return f"{channel}/{ts}"


class ChannelPacer:
    """At most one message per `interval` seconds per channel (0 turns pacing off)."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> float:
        """Block until `channel` may take a message; returns the seconds waited."""
        if self.interval <= 0:
            return 0.0
        with self._lock:  # reserve a slot, then sleep outside the lock
            now = self.monotonic()
            slot = max(now, self._next.get(channel, now))
            self._next[channel] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self.sleep(delay)
        return delay


class RetryAfterHandler(RateLimitErrorRetryHandler):
    """Retry a 429 after exactly the `Retry-After` seconds Slack asked for."""

    def __init__(self, max_retry_count: int = 3, sleep: Callable[[float], None] = time.sleep):
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep
        self.waits: list[float] = []

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate limited without a response")
        headers = {k.lower(): v for k, v in response.headers.items()}
        values = headers.get("retry-after") or ["1"]
        try:
            delay = float(values[0])
        except ValueError:
            delay = 1.0
        log.warning("Slack rate limit on %s: waiting %.0fs", request.url, delay)
        self.waits.append(delay)
        state.next_attempt_requested = True
        self.sleep(delay)
        state.increment_current_attempt()


def web_client(
    token: str, base_url: str, *, retry: RetryAfterHandler | None = None, timeout: int = 10
) -> WebClient:
    client = WebClient(token=token, base_url=_with_slash(base_url), timeout=timeout)
    client.retry_handlers.append(retry or RetryAfterHandler())
    return client


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class SlackPoster:
    """Every message careops posts goes through here, paced per channel."""

    def __init__(self, client: WebClient, pacer: ChannelPacer) -> None:
        self.client = client
        self.pacer = pacer

    def post(self, channel: str, text: str, **extra: Any) -> tuple[str, str]:
        """Post a message; returns the (channel, ts) Slack stored it under."""
        self.pacer.wait(channel)
        answer = self.client.chat_postMessage(channel=channel, text=text, **extra)
        return str(answer["channel"]), str(answer["ts"])

    def ephemeral(self, channel: str, user: str, text: str) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text)

    def update(self, ref: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Edit a message in place (not paced: it adds nothing to the channel)."""
        channel, ts = split_ref(ref)
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
