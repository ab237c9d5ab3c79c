"""What every HTTP endpoint careops serves does first: read a body no larger than its
limit, refusing from the Content-Length alone where it can, and answer in plain text."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any


class BodyRefused(Exception):
    """The request's body was not read: `status` and `why` are the answer to give."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The body, at most `limit` bytes. A body declared larger is refused (413) before a
    byte of it is read; one without a length is read only up to the limit."""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        raise BodyRefused(400, "bad Content-Length") from None
    if declared > limit:
        raise BodyRefused(413, f"body over {limit} bytes")
    body: bytes = environ["wsgi.input"].read(declared if declared >= 0 else limit + 1)
    if len(body) > limit:
        raise BodyRefused(413, f"body over {limit} bytes")
    return body


def answer(start_response: Callable[..., Any], status: int, text: str) -> list[bytes]:
    """A plain-text answer with its status line."""
    body = text.encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
    )
    return [body]
