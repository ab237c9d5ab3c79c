"""Logging for careops: plain lines for people, JSON lines for log shippers.

A filter masks every configured secret and anything shaped like a Slack, OpenAI or
bearer token, so a secret that slips into an exception message still never reaches
the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

from bot.config import Settings

TOKEN_SHAPES = re.compile(
    r"(xox[abprs]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-[A-Za-z0-9_-]{12,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{12,})"
)
MASK = "[redacted]"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return TOKEN_SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            payload["error"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


def secret_values(settings: Settings) -> list[str]:
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            values.append(value.get_secret_value())
    return values


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted.

    A plain StreamHandler keeps the stream it was built with; when that stream is
    replaced and closed (a test runner capturing one command's output), every later
    record fails with "--- Logging error ---" instead of being written.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Ignored: the stream is always the current sys.stderr."""


def configure_logging(settings: Settings) -> None:
    handler = StderrHandler()
    handler.addFilter(RedactSecrets(secret_values(settings)))
    if settings.log_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # The scheduler announces every run of every job at INFO: once a minute per job.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    # The connection pool warns at every reconnect attempt while PostgreSQL is away (a
    # few a minute); the lease says it once when the server goes and once when it is back.
    logging.getLogger("psycopg.pool").setLevel(max(logging.ERROR, root.level))


class Conditions:
    """Log a lasting failure once, not on every tick: the first time (with its traceback),
    again only when the error changes, and one line when it clears."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self._active: dict[str, tuple[str, int]] = {}  # key -> (error, times seen)

    def failed(self, key: str, what: str, error: BaseException, trace: bool = True) -> None:
        text = f"{type(error).__name__}: {error}"
        seen, times = self._active.get(key, ("", 0))
        self._active[key] = (text, times + 1 if seen == text else 1)
        if seen == text:
            return
        self.logger.error("%s failed: %s (not repeated until it changes or clears)", what, text,
                          exc_info=error if trace else None)  # fmt: skip

    def ok(self, key: str, what: str) -> None:
        if key in self._active:
            _, times = self._active.pop(key)
            self.logger.warning("%s works again (it failed %d time(s) in a row)", what, times)
