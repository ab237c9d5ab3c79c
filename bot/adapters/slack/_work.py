"""Where Slack's work runs after the ack: one worker thread for core work, one for slow
network and posting work.

Core work from Slack runs on the worker, one call at a time, so two people (or one event
and its redelivery) never race on the same case. Long work (a network fetch for
`/care draft`, posting a group's cases into its thread) runs in the background and hands
any store work back to the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from bot.adapters.slack._journal import ActionJournal, run_journaled

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Tell = Callable[[str, str, str], None]  # (channel, user, text): a note only they see


class Work:
    def __init__(self, journal: ActionJournal | None = None, tell: Tell | None = None) -> None:
        """With a `journal`, work for a journaled action is retried on storage faults and
        then marked done; `tell` says so when it could not be stored."""
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="careops-core")
        self.background = ThreadPoolExecutor(1, thread_name_prefix="careops-slack")
        self.journal = journal
        self.tell: Tell = tell or (lambda channel, user, text: None)
        self.journaled: set[int] = set()  # entries handed to the worker (journal replay)

    def submit(self, func: Callable[..., T], *args: object, entry: int | None = None) -> Future[T]:
        """Run core work on the worker; failures are logged, never lost silently."""
        future: Future[Any]
        if entry is not None and self.journal is not None:
            self.journaled.add(entry)
            future = self.worker.submit(run_journaled, self.journal, entry, func, args, self.tell)
        else:
            future = self.worker.submit(func, *args)
        future.add_done_callback(_log_failure)
        return future

    def in_background(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = self.background.submit(func, *args, **kwargs)
        future.add_done_callback(_log_failure)
        return future

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until work submitted so far is done (tests, shutdown), including worker
        steps that background work hands back when it finishes."""
        self.worker.submit(lambda: None).result(timeout)
        self.background.submit(lambda: None).result(timeout)
        self.worker.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self.worker.shutdown(wait=True)
        self.background.shutdown(wait=True)
        if self.journal is not None:
            self.journal.close()


def _log_failure(future: Future[T]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("Slack work failed: %s", exc, exc_info=exc)
