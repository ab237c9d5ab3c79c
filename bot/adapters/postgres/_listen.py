"""LISTEN for new outbox rows: an approval on any instance wakes the leader's publisher
at once. Polling (the tick job) stays as the fallback, so a lost notification or a
listener that is reconnecting only delays a reply until the next tick."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from bot.adapters.postgres._connect import connect

log = logging.getLogger(__name__)


class OutboxListener:
    def __init__(self, url: str, on_notify: Callable[[], None], retry_seconds: float = 2.0) -> None:
        self.url, self.on_notify, self.retry = url, on_notify, retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="careops-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with connect(self.url, autocommit=True) as conn:
                    conn.execute("LISTEN careops_outbox")  # OUTBOX_CHANNEL
                    while not self._stop.is_set():
                        if any(True for _ in conn.notifies(timeout=1.0)):
                            self.on_notify()
            except (psycopg.Error, ConnectionError, OSError) as exc:
                log.debug("outbox listener: %s; reconnecting", exc)
                self._stop.wait(self.retry)
