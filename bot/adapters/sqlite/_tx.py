"""Transactions for the SQLite store: re-entrant, under the store's lock."""

from __future__ import annotations

import sqlite3
import threading
from typing import Protocol


class TransactionalStore(Protocol):
    conn: sqlite3.Connection
    lock: threading.RLock
    _depth: int


class Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) under the store's lock; re-entrant.

    A plain class rather than @contextmanager: every write enters one, often nested.
    """

    __slots__ = ("store",)

    def __init__(self, store: TransactionalStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        store = self.store
        store.lock.acquire()
        if store._depth == 0:
            try:
                store.conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                store.lock.release()
                raise
        store._depth += 1

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        store = self.store
        try:
            store._depth -= 1
            if store._depth == 0:
                _finish(store.conn, commit=kind is None)
        finally:
            store.lock.release()


def _finish(conn: sqlite3.Connection, *, commit: bool) -> None:
    """COMMIT or ROLLBACK; a COMMIT that fails (disk full …) is rolled back, never left open."""
    if not commit:
        conn.execute("ROLLBACK")
        return
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
