"""Poison lines through a running `careops run`: each is quarantined with its reason, the
cursor moves past it and the good line after it becomes a card. The poll interval is a
minute here, so every card below comes from the start-up poll or the inbox watch."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.files._jsonl import mention_to_inbox
from tests.conftest import make_mention
from tests.e2e.processes import wait_until
from tests.fakes.fake_slack import FakeSlackApi
from tests.faults.harness import careops_http, dotenv

pytestmark = pytest.mark.slow

NOT_THE_INTERVAL = 20.0  # seconds: far below CAREOPS_POLL_SECONDS=60, far above the watch


def good(ident: str) -> bytes:
    mention = make_mention(ident, f"Parcel {ident} is late, can you help?", now=datetime.now(UTC))
    return json.dumps(mention_to_inbox(mention)).encode() + b"\n"


def poison() -> list[bytes]:
    near: dict[str, Any] = json.loads(good("near"))
    return [
        b"[" * 2_200,  # nested past json's recursion limit
        b'{"network": "x", "id": "\\ud800", "author": "a", "text": "t",'
        b' "created_at": "2026-11-25T08:00:00Z"}',
        json.dumps({**near, "id": float("nan")}).encode(),
        json.dumps({**near, "id": "n2", "author": ["a", "b"]}).encode(),
        json.dumps({**near, "id": "n3", "summoned": "false"}).encode(),
        bytes(range(256)).replace(b"\n", b""),
        json.dumps({**near, "id": "n4", "text": "x" * 300_000}).encode(),
    ]


def card_for(api: FakeSlackApi, ident: str) -> bool:
    return any(
        f"Parcel {ident} is late" in json.dumps(c.params) for c in api.calls_to("chat.postMessage")
    )


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchall()


def test_poison_lines_are_quarantined_and_the_lines_after_them_become_cards(
    tmp_path: Path,
) -> None:
    inbox, db = tmp_path / "inbox.jsonl", tmp_path / "data" / "careops.db"
    inbox.write_bytes(good("s1"))
    with FakeSlackApi() as api:
        dotenv(tmp_path, api.url, CAREOPS_POLL_SECONDS="60")
        with careops_http(tmp_path, api) as running:
            wait_until(lambda: card_for(api, "s1"), NOT_THE_INTERVAL, "the start-up poll's card")
            with inbox.open("ab") as handle:
                handle.write(b"".join(line + b"\n" for line in poison()) + good("s2"))
            appended = time.monotonic()
            wait_until(lambda: card_for(api, "s2"), NOT_THE_INTERVAL, "the card after the poison")
            took = time.monotonic() - appended
            wait_until(
                lambda: rows(db, "SELECT cursor FROM cursors") == [(str(inbox.stat().st_size),)],
                5,
                "the cursor past every line",
            )
            reasons = [r for (r,) in rows(db, "SELECT reason FROM quarantine ORDER BY id")]
            output = running.stop()
    assert reasons == [
        "bad JSON: nested too deeply",
        "id contains a lone surrogate (not valid Unicode) at 0",
        "id must be text or a whole number, not the number nan",
        "author must be text, not a list",
        "summoned must be true or false, not the text 'false'",
        "not UTF-8 text (byte 127)",
        f"line too large ({len(poison()[-1]):,} bytes > 262,144)",
    ]
    assert took < NOT_THE_INTERVAL  # the watch took it in, not the minute's poll
    assert "Traceback" not in output and "polling file:inbox.jsonl failed" not in output
