"""Mastodon's streaming API: `user:notification` over server-sent events, as a doorbell.

The stream never makes a case: a `mention` notification on it only says "poll now", and
so does every (re)connect, since anything may have happened while it was down. The poll
reads from the cursor as always (`min_id`), so the cursor stays the one source of truth:
a mention is neither missed (a gap is read after each reconnect) nor doubled (case ids
are the status ids). While the stream is live the rhythm polls only as a safety net.

Read here, not through Mastodon.py's `stream_user`: its background handle retries a
failed connect forever at a fixed 5 s and cannot tell a server without streaming (404)
from an outage, has no hook when it reconnects (when careops must poll), and its blocking
form cannot be closed from another thread; finding the streaming host asks for the public
timeline and warns when that needs a login. This is one GET with httpx (the documented
`GET /api/v1/streaming/user/notification`, following one redirect to a separate
streaming host as the instance answers it) and a line parser.

A dropped stream reconnects after 1, 2, 4 ... seconds, at most a minute
(`bot/core/rhythm.py:stream_retry`); a connection that lasted a minute starts that over.
A server without streaming (404, 405, 410, 501) is said once in the log and asked again
hourly; polling carries on meanwhile. Only the instance that leads streams.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot.core.rhythm import STREAM_UNSUPPORTED_WAIT, stream_retry

log = logging.getLogger(__name__)

STREAM_PATH = "/api/v1/streaming/user/notification"
READ_TIMEOUT = 60.0  # Mastodon sends a heartbeat every ~15 s: a silent minute is a dead link
CONNECT_TIMEOUT = 10.0
STEADY_SECONDS = 60.0  # a connection this old counts as having worked: retries start over
FOLLOWER_WAIT = 1.0  # how often an instance that does not lead asks again
UNSUPPORTED = frozenset({404, 405, 410, 501})
REFUSED = frozenset({401, 403})


@dataclass(frozen=True)
class Event:
    name: str
    data: str


def events(lines: Iterator[str]) -> Iterator[Event]:
    """Server-sent events from lines: `event:` and `data:` fields (several data lines are
    joined with newlines), a blank line ends one; a line starting with `:` is a heartbeat,
    given as an event named ":"."""
    name, data = "", list[str]()
    for line in lines:
        if not line:
            if name or data:
                yield Event(name or "message", "\n".join(data))
            name, data = "", list[str]()
            continue
        if line.startswith(":"):
            yield Event(":", line[1:])  # a heartbeat: the reader looks around
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)


def announces_mention(event: Event) -> bool:
    """A `notification` event for a mention (or one careops cannot read: the poll decides)."""
    if event.name != "notification":
        return False
    try:
        payload = json.loads(event.data)
    except ValueError:
        return True
    return not isinstance(payload, dict) or payload.get("type") in ("mention", None)


class MastodonStream:
    """Follows the brand's notifications in a background thread. `news` is set when a
    mention is announced and after each (re)connect; the source clears it as it polls."""

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        client: httpx.Client | None = None,
        read_timeout: float = READ_TIMEOUT,
        retry: Callable[[int], float] = stream_retry,
    ) -> None:
        self.url = base_url.rstrip("/") + STREAM_PATH
        self._headers = {"Authorization": f"Bearer {access_token}", "Accept": "text/event-stream"}
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(CONNECT_TIMEOUT, read=read_timeout)
        )
        self.retry = retry  # seconds to wait after n failed tries in a row
        self.news = threading.Event()
        self.live = False
        self.connects = 0  # connections made, for tests and the log
        self._leads: Callable[[], bool] = lambda: True
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._response: httpx.Response | None = None
        self._failures = 0
        self._said = ""  # the last problem logged: each is said once until it changes

    def start(self, leads: Callable[[], bool] = lambda: True) -> None:
        self._leads = leads
        self._thread = threading.Thread(target=self._run, name="careops-mastodon-stream")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            response.close()  # wakes the reader at once
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._once()
            except Exception as exc:  # whatever it was, the stream comes back; polling goes on
                self.live = False
                self._failures += 1
                if type(exc).__name__ != self._said:
                    log.exception("mastodon: notification stream failed; polling meanwhile")
                    self._said = type(exc).__name__
                self._stop.wait(self.retry(self._failures))

    def _once(self) -> None:
        """Follow one connection (if this instance leads), then wait before the next."""
        if not self._leads():
            self._stop.wait(FOLLOWER_WAIT)
            return
        started = time.monotonic()
        wait = self._follow()
        if time.monotonic() - started >= STEADY_SECONDS:
            self._failures = 0
        if wait is None:
            self._failures += 1
            wait = self.retry(self._failures)
        self._stop.wait(wait)

    def _follow(self) -> float | None:
        """One connection, read until it ends; returns how long to wait before the next
        (None: the usual backoff)."""
        try:
            return self._read_at(self.url, redirects=1)
        except (httpx.HTTPError, httpx.StreamError) as exc:  # StreamError: closed by stop()
            return self._dropped(f"{type(exc).__name__}: {exc}")
        finally:
            self.live = False
            self._response = None

    def _read_at(self, url: str, *, redirects: int) -> float | None:
        request = self._client.build_request("GET", url, headers=self._headers)
        response = self._response = self._client.send(request, stream=True)
        try:
            if response.is_redirect and "location" in response.headers and redirects:
                target = urljoin(url, response.headers["location"])
                if urlsplit(target).scheme != urlsplit(url).scheme:  # never the token in clear
                    return self._unsupported(f"a redirect to {urlsplit(target).scheme}")
                response.close()
                return self._read_at(target, redirects=redirects - 1)
            return self._read(response)
        finally:
            response.close()

    def _read(self, response: httpx.Response) -> float | None:
        status = response.status_code
        if status in UNSUPPORTED:
            return self._unsupported(f"HTTP {status}")
        if status in REFUSED:
            return self._dropped(f"HTTP {status}: the token lacks read:statuses/notifications?")
        if status != 200:
            return self._dropped(f"HTTP {status}")
        self._connected()
        for event in events(response.iter_lines()):
            if self._stop.is_set() or not self._leads():
                return 0.0
            if announces_mention(event):
                self.news.set()
        return self._dropped("the server ended it")

    def _connected(self) -> None:
        self.connects += 1
        self.live = True
        self.news.set()  # read what came while the stream was down
        if self._said:
            log.warning("mastodon: stream connected again; mentions come in as they are posted")
        else:
            log.info("mastodon: following the notification stream")
        self._said = ""

    def _dropped(self, why: str) -> float | None:
        if self._stop.is_set():
            return 0.0
        if why != self._said:
            log.warning(
                "mastodon: notification stream down (%s); polling meanwhile, reconnecting"
                " after 1, 2, 4 ... s (at most a minute)",
                why,
            )
            self._said = why
        return None

    def _unsupported(self, why: str) -> float:
        if why != self._said:
            log.warning(
                "mastodon: the server offers no notification stream (%s); polling instead,"
                " asking again hourly",
                why,
            )
            self._said = why
        return STREAM_UNSUPPORTED_WAIT
