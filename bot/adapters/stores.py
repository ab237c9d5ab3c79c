"""Which store careops uses: SQLite (one file, the default) or PostgreSQL (set
CAREOPS_DATABASE_URL, for two or more instances). Both implement the same ports."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Union

from bot.adapters.sqlite import SqliteStore

if TYPE_CHECKING:
    from bot.adapters.postgres import Leadership, OutboxListener, PostgresStore
    from bot.config import Settings

StoreBackend = Union[SqliteStore, "PostgresStore"]  # PostgresStore is imported lazily


def open_store(
    settings: Settings,
    *,
    auto_migrate: bool = True,
    wait: bool = False,
    fence: Callable[[], int | None] | None = None,
) -> StoreBackend:
    """The configured store. With PostgreSQL and `wait`, a server that is down (or still
    starting) is waited for, with a log line per attempt; wrong settings raise
    `DatabaseSettingsError` (one line, no password) either way."""
    url = settings.database_url
    if url is None:
        return SqliteStore(settings.database, auto_migrate=auto_migrate)
    from bot.adapters.postgres import PostgresStore, wait_for_server

    secret = url.get_secret_value()
    if wait:
        wait_for_server(secret)
    return PostgresStore(secret, auto_migrate=auto_migrate, fence=fence)


def lease_for(settings: Settings) -> Leadership | None:
    """PostgreSQL: this instance's (not yet started) bid to lead. SQLite: None, a run is
    alone on its file (the run lock)."""
    if settings.database_url is None:
        return None
    from bot.adapters.postgres import Leadership

    name = settings.instance_name or f"{socket.gethostname()}:{os.getpid()}"
    return Leadership(settings.database_url.get_secret_value(), name, settings.lease_seconds)


def listener_for(settings: Settings, wake: Callable[[], None]) -> OutboxListener | None:
    """PostgreSQL: LISTEN for replies approved on any instance, calling `wake`."""
    if settings.database_url is None:
        return None
    from bot.adapters.postgres import OutboxListener

    return OutboxListener(settings.database_url.get_secret_value(), wake)


def describe(settings: Settings) -> str:
    """Where the data is, for people (never the password)."""
    if settings.database_url is None:
        return str(settings.database)
    from bot.adapters.postgres import display

    return display(settings.database_url.get_secret_value())


def storage_faults() -> tuple[type[Exception], ...]:
    """Errors that mean "the database cannot store this now" (locked, full, read-only,
    away or restarting), on either store: worth retrying, not a bug."""
    faults: list[type[Exception]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")  # loaded only when PostgreSQL is in use
    if psycopg is not None:
        faults.append(psycopg.OperationalError)  # the pool's timeout is one too
    return tuple(faults)
