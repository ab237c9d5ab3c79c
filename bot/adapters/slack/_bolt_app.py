"""The bolt App: token, signing secret, a Web API client on SLACK_API_URL, retry dedup.

Bolt verifies every request's signature (and rejects timestamps older than five
minutes) before any middleware here runs, so only genuine Slack requests can mark an
event as seen.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from urllib.error import URLError

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient

log = logging.getLogger(__name__)


class _TokenFromEnvironmentNotice(logging.Filter):
    """Bolt warns "`token` will be unused" whenever SLACK_BOT_TOKEN is exported, because
    it reads the variable itself even when given a client; careops always passes the
    client built from that same token, so the warning would only alarm people."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.App").addFilter(_TokenFromEnvironmentNotice())


class SlackStartupError(ValueError):
    """Slack could not be reached, or refused the bot token, while careops started."""


class EventDeduplicator:
    """Remembers recent event ids; Slack redelivers an event (X-Slack-Retry-Num) if our
    answer was slow or lost, and each event must be acted on once."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self.dropped = 0

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                self.dropped += 1
                return False
            self._seen[event_id] = None
            if len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True

    def middleware(
        self, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id and not self.first_time(event_id):
            retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("ignored redelivery %s of event %s", retry, event_id)
            return BoltResponse(status=200, body="")
        return next()


def build_bolt_app(
    client: WebClient,
    *,
    signing_secret: str | None,
    dedup: EventDeduplicator,
    listener_executor: Executor | None = None,
    verify_token: bool = True,
) -> App:
    """A bolt App that answers through `client` (whose base_url is SLACK_API_URL).

    With no signing secret (Socket Mode) requests come over the app-level websocket
    and are not signed.
    """
    try:  # with token verification on, bolt calls auth.test here
        app = App(
            client=client,
            signing_secret=signing_secret,
            request_verification_enabled=signing_secret is not None,
            token_verification_enabled=verify_token,
            listener_executor=listener_executor,
            name="careops",
        )
    except BoltError as exc:
        raise SlackStartupError(f"Slack did not accept SLACK_BOT_TOKEN ({exc})") from None
    except (URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SlackStartupError(f"cannot reach Slack at {client.base_url} ({reason})") from None
    app.use(dedup.middleware)
    return app
