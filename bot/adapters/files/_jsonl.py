"""Local files as a network: a JSONL inbox (source) and a JSONL outbox (publisher).

Used by the demo, by `careops run --source file:PATH --publisher file:PATH`, and by
tests. Inbox line format (one JSON object per line):

    {"network": "x", "id": "1", "author": "maria", "author_name": "Maria",
     "text": "...", "created_at": "2026-11-25T09:00:00Z", "url": "...",
     "in_reply_to": null, "context": [], "summoned": true, "meta": {}}

A line that cannot become a mention is quarantined with its reason; the batch goes on.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.adapters.sqlite._codec import iso, parse_time
from bot.core.intake import BadMention, mention_from
from bot.core.models import Mention, OutboxItem, PublishResult, Quarantined
from bot.core.ports import Clock, SourceBatch

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 256 * 1024
REQUIRED = ("network", "id", "author", "text", "created_at")


class BadLine(ValueError):
    """Why an inbox line was quarantined."""


def parse_inbox_line(line: bytes) -> Mention:
    """One inbox line → Mention, or BadLine with a reason a person understands."""
    if len(line) > MAX_LINE_BYTES:
        raise BadLine(f"line too large ({len(line):,} bytes > {MAX_LINE_BYTES:,})")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadLine(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadLine(f"bad JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise BadLine("bad JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise BadLine(f"expected a JSON object, got {type(data).__name__}")
    return mention_from_inbox(data)


def mention_from_inbox(data: dict[str, Any]) -> Mention:
    """The inbox's field names → the core's checked Mention (types as written, no coercion)."""
    missing = [k for k in REQUIRED if data.get(k) in (None, "")]
    if missing:
        raise BadLine(f"missing fields: {', '.join(missing)}")
    created = data["created_at"]
    if not isinstance(created, str):
        raise BadLine("bad created_at: not text")
    try:
        when = parse_time(created)
    except ValueError:
        raise BadLine(f"bad created_at {created[:40]!r}") from None
    try:
        return mention_from(
            data["network"],
            external_id=data["id"],
            author_handle=data["author"],
            author_name=data.get("author_name"),
            text=data["text"],
            created_at=when,
            url=data.get("url"),
            in_reply_to=data.get("in_reply_to"),
            conversation_id=data.get("conversation_id"),
            context=data.get("context"),
            summoned=data.get("summoned", True),
            meta=data.get("meta"),
        )
    except BadMention as exc:
        raise BadLine(str(exc)) from None


def mention_to_inbox(m: Mention) -> dict[str, Any]:
    return {
        "network": m.network.value,
        "id": m.external_id,
        "author": m.author_handle,
        "author_name": m.author_name,
        "text": m.text,
        "created_at": iso(m.created_at),
        "url": m.url,
        "in_reply_to": m.in_reply_to,
        "context": list(m.context),
        "summoned": m.summoned,
        "meta": dict(m.meta),
    }


class JsonlInbox:
    """Reads new lines since the byte offset kept as the cursor."""

    def __init__(self, path: Path, clock: Clock, name: str | None = None) -> None:
        self.path = Path(path)
        self.clock = clock
        self.name = name or f"file:{self.path.name}"
        self._polled: tuple[int, int, int] | None = None  # the file as the last poll saw it

    def has_news(self) -> bool:
        """Whether the file changed since the last poll: one stat, cheap to ask often."""
        return self._stat() != self._polled

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def poll(self, cursor: str | None) -> SourceBatch:
        self._polled = self._stat()  # before reading: a line written meanwhile is news
        offset = int(cursor or 0)
        batch = SourceBatch()
        if not self.path.exists():
            return batch
        size = self.path.stat().st_size
        if size < offset:  # truncated or replaced: start again; duplicates are harmless
            batch.notices.append(f"{self.path} shrank; reading it again from the start")
            offset = 0
        with self.path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1  # only whole lines; a half-written last line waits
        position = offset
        for line in data[:end].split(b"\n")[:-1]:
            start, position = position, position + len(line) + 1
            read_line(batch, line, f"{self.name} at byte {start}", self.clock)
        batch.cursor = str(offset + end)
        return batch


def read_line(batch: SourceBatch, line: bytes, where: str, clock: Clock) -> None:
    """One inbox line into `batch`: a mention, or quarantined with its reason."""
    if not line.strip():
        return
    try:
        batch.mentions.append(parse_inbox_line(line.rstrip(b"\r")))
        return
    except BadLine as exc:
        reason = str(exc)
    except Exception as exc:  # a line careops did not foresee must not stall intake
        log.exception("%s: unreadable line", where)
        reason = f"unreadable line ({type(exc).__name__})"
    raw = line[:4000].decode("utf-8", "replace")
    batch.quarantined.append(Quarantined(where, raw, reason, clock.now()))


def read_inbox(path: Path, clock: Clock, lines: int = 1_000) -> Iterator[tuple[SourceBatch, int]]:
    """A whole inbox file, `lines` lines at a time, with the bytes read so far (a progress
    bar's measure): `careops import` and the benchmarks' stores."""
    batch, done = SourceBatch(), 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            done += len(line)
            read_line(batch, line.rstrip(b"\n"), f"{path.name} line {number}", clock)
            if number % lines == 0:
                yield batch, done
                batch = SourceBatch()
    yield batch, done


class JsonlOutbox:
    """Appends one JSON line per published reply; the draft id is the reply's id.

    `publish` of a draft id already in the file returns the existing reply instead of
    writing it again, like a network's idempotency key.
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()

    def published(self) -> dict[str, dict[str, Any]]:
        """Draft id → outbox line, skipping a line cut short by a crash."""
        found: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return found
        for line in self.path.read_bytes().splitlines():
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(row, dict) and "draft_id" in row:
                found.setdefault(row["draft_id"], row)
        return found

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        row = self.published().get(item.draft_id)
        return PublishResult(remote_id=f"file:{item.draft_id}") if row else None

    def publish(self, item: OutboxItem) -> PublishResult:
        with self._lock:
            existing = self.find_existing(item)
            if existing:
                return existing
            self._append(item, self.clock.now())
        return PublishResult(remote_id=f"file:{item.draft_id}")

    def _append(self, item: OutboxItem, at: datetime) -> None:
        line = json.dumps(
            {
                "network": item.network.value,
                "in_reply_to": item.in_reply_to,
                "text": item.text,
                "draft_id": item.draft_id,
                "published_at": iso(at),
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            prefix = b"\n" if _ends_mid_line(self.path) else b""
            os.write(fd, prefix + line.encode("utf-8") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)


def _ends_mid_line(path: Path) -> bool:
    """True when a crash left a partial last line, which the next line must not extend."""
    size = path.stat().st_size
    if size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) != b"\n"
