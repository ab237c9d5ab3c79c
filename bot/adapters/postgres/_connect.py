"""Connecting to PostgreSQL: the URL checked, errors sorted into "fix the settings" and
"the server is not there (yet)", and the password kept out of every message."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import psycopg

log = logging.getLogger(__name__)

SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT = 5  # seconds for one connection attempt
# Connection failures that no retry fixes: the settings are wrong.
_CONFIG_ERRORS = re.compile(
    r"password authentication failed|no password supplied|authentication failed"
    r"|role .* does not exist|database .* does not exist|invalid (URI|connection option|port)"
    r"|could not translate host name|missing \"=\"|invalid integer value|SSL.*(required|not)",
    re.IGNORECASE,
)


class DatabaseSettingsError(ValueError):
    """CAREOPS_DATABASE_URL is malformed or refused (password, role, database): one line."""


class DatabaseUnavailable(ConnectionError):
    """The server did not answer (down, restarting, unreachable): worth retrying."""


def display(url: str) -> str:
    """`postgresql://user@host:port/db`: the URL without its password, for people."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the PostgreSQL URL (unreadable)"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def scrub(text: str, url: str) -> str:
    """`text` with the URL's password (and the whole URL) replaced."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    text = text.replace(url, display(url))
    return text.replace(password, "***") if password else text


def check_url(url: str) -> str:
    """The URL as given if it names a PostgreSQL database; DatabaseSettingsError if not."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise DatabaseSettingsError(
            "CAREOPS_DATABASE_URL is not a valid URL (postgresql://user:password@host:5432/db)"
        ) from None
    if parts.scheme not in SCHEMES or not parts.hostname or parts.path in ("", "/"):
        raise DatabaseSettingsError(
            "CAREOPS_DATABASE_URL must look like postgresql://user:password@host:5432/careops"
        )
    return url


def classify(exc: Exception, url: str) -> Exception:
    """A connection error as DatabaseSettingsError or DatabaseUnavailable, scrubbed."""
    message = scrub(reason(exc), url)
    if isinstance(exc, psycopg.ProgrammingError) or _CONFIG_ERRORS.search(str(exc)):
        return DatabaseSettingsError(f"PostgreSQL at {display(url)} refused careops: {message}")
    return DatabaseUnavailable(f"PostgreSQL at {display(url)} is not reachable ({message})")


def reason(exc: BaseException) -> str:
    """libpq's reason alone: `database "x" does not exist`, `Connection refused`."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    last = text.splitlines()[0].rsplit(" failed: ", 1)[-1]
    return last.removeprefix("FATAL:").strip()


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """One connection, errors classified (see `classify`)."""
    check_url(url)
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, **kwargs)
    except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
        raise classify(exc, url) from None


def wait_for_server(
    url: str,
    *,
    patience: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    first_wait: float = 1.0,
) -> None:
    """Return once the server accepts a connection; log and retry while it is down
    (doubling the wait up to 30 s). Settings errors raise at once. `patience` (seconds)
    bounds the wait: DatabaseUnavailable after it; None waits for as long as it takes."""
    waited, delay = 0.0, first_wait
    while True:
        try:
            connect(url).close()
            return
        except DatabaseUnavailable as exc:
            if patience is not None and waited >= patience:
                raise
            log.warning("%s; retrying in %.0f s", exc, delay)
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 30.0)
