"""Where Slack's work runs after the ack: bolt's listener threads, one worker thread for
core work, one for slow network and posting work.

Core work from Slack runs on the worker, one call at a time, so two people (or one event
and its redelivery) never race on the same case. Long work (a network fetch for
`/care draft`, posting a group's cases into its thread) runs in the background and hands
any store work back to the worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from bot.adapters.slack._journal import ActionJournal, run_journaled

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Tell = Callable[[str, str, str], None]  # (channel, user, text): a note only they see


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that knows when it has nothing left to run.

    Bolt runs each listener on this pool after (or while) answering Slack, and a listener
    hands its core work to the worker. Draining the worker alone could return before a
    listener has handed its work over; `wait_idle` closes that gap."""

    def __init__(self, workers: int, name: str) -> None:
        super().__init__(workers, thread_name_prefix=name)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished()
            raise
        future.add_done_callback(lambda _: self._finished())
        return future

    def _finished(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


class Work:
    def __init__(self, journal: ActionJournal | None = None, tell: Tell | None = None) -> None:
        """With a `journal`, work for a journaled action is retried on storage faults and
        then marked done; `tell` says so when it could not be stored."""
        self.listeners = TrackedExecutor(32, "careops-bolt")  # bolt runs listeners here
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
        """Wait until work submitted so far is done (tests, shutdown): listeners still
        handing work over, then the worker, including worker steps that background work
        hands back when it finishes."""
        if not self.listeners.wait_idle(timeout):
            raise TimeoutError(f"Slack listeners still running after {timeout} s")
        self.worker.submit(lambda: None).result(timeout)
        self.background.submit(lambda: None).result(timeout)
        self.worker.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self.listeners.shutdown(wait=True)
        self.worker.shutdown(wait=True)
        self.background.shutdown(wait=True)
        if self.journal is not None:
            self.journal.close()


def _log_failure(future: Future[T]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("Slack work failed: %s", exc, exc_info=exc)
