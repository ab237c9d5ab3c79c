"""One `careops run` per database.

Two runs on one database would both poll, both ping people about the same targets, and
could both send the same approved reply: each process's publishing lock only guards
its own threads. A run therefore holds an exclusive lock on a file beside the
database for as long as it lives. The operating system releases it when the process
ends, however it ends (kill -9 included), so a crash never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO


class AlreadyRunning(RuntimeError):
    """Another process holds the run lock of this database."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".run.lock")


class RunLock:
    """`with RunLock(database):` — raises `AlreadyRunning` naming the holder."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _describe(handle.read())
            handle.close()
            raise AlreadyRunning(
                f"another careops run ({holder}) is using {self.path.parent}; stop it first:"
                " two runs on one database could send the same reply twice"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(
            json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": started})
        )
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()


def _describe(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"
