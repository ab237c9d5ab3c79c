"""Poison in the JSONL inbox never stops intake: whatever comes before a good line, the
good line becomes a case, the junk is quarantined with a reason and the cursor moves on."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.files import JsonlInbox
from bot.adapters.files._jsonl import mention_to_inbox
from bot.adapters.sqlite import SqliteStore
from bot.core.clock import FakeClock
from bot.core.models import CaseState
from bot.core.rules import LinkBook
from tests.conftest import LINKS, make_mention
from tests.core.helpers import wire

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def good(ident: str) -> bytes:
    line = mention_to_inbox(make_mention(ident, f"Order {ident} is late, where is it?"))
    return json.dumps(line).encode() + b"\n"


ANY_CHARACTER = st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs", "Co"])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and Infinity too: Python's json writes and reads them
    | st.text(ANY_CHARACTER, max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
# A good line with one field swapped for anything: the wrong types a writer might produce.
FIELDS = ["network", "id", "author", "author_name", "text", "created_at", "url",
          "in_reply_to", "conversation_id", "context", "summoned", "meta"]  # fmt: skip
almost_good = st.tuples(st.sampled_from(FIELDS), json_values).map(
    lambda swap: {**mention_to_inbox(make_mention("near")), swap[0]: swap[1]}
)
deep = st.integers(500, 5_000).map(lambda n: b"[" * n + b"]" * n)
junk_line = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    almost_good.map(lambda v: json.dumps(v).encode()),
    deep,
)


def _lines(junk: list[bytes]) -> bytes:
    return b"".join(chunk.replace(b"\n", b" ") + b"\n" for chunk in junk)


@settings(max_examples=120, deadline=None)
@given(st.lists(junk_line, max_size=5))
def test_good_lines_after_any_junk_still_become_cases(junk: list[bytes]) -> None:
    clock = FakeClock(NOW)
    store = SqliteStore(":memory:")
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox.jsonl"
        inbox.write_bytes(good("g1") + _lines(junk) + good("g2"))
        source = JsonlInbox(inbox, clock)
        batch = source.poll(None)  # never raises
        written = [line for line in inbox.read_bytes().split(b"\n") if line.strip()]
        assert len(batch.mentions) + len(batch.quarantined) == len(written)
        assert all(q.reason for q in batch.quarantined)
        assert batch.cursor == str(inbox.stat().st_size)
        core = wire(store, clock, LinkBook(LINKS))
        core.loop.poll([source])  # stores every case and quarantine row without raising
        for case_id in ("x:g1", "x:g2"):
            case = store.get_case(case_id)
            assert case is not None and case.state is CaseState.IN_REVIEW
        assert store.get_cursor(source.name) == batch.cursor
    store.close()


def test_the_examples_from_the_field_are_quarantined_with_their_reason(tmp_path: Path) -> None:
    near: dict[str, Any] = mention_to_inbox(make_mention("near"))
    poison = [
        b"[" * 2_200,  # 2.2 KB of nested brackets: RecursionError in json.loads
        json.dumps({**near, "id": "n1", "text": "hi \ud800 there"}).encode(),  # parses, saves
        json.dumps({**near, "id": float("nan")}).encode(),
        json.dumps({**near, "author": ["a", "b"]}).encode(),
    ]
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_bytes(_lines(poison) + good("after"))
    store = SqliteStore(":memory:")
    core = wire(store, FakeClock(NOW), LinkBook(LINKS))
    summary = core.loop.poll([JsonlInbox(inbox, FakeClock(NOW))])
    reasons = [row["reason"] for row in store.quarantined()]
    assert reasons == [
        "bad JSON: nested too deeply",
        "id must be text or a whole number, not the number nan",
        "author must be text, not a list",
    ]
    stored = store.get_case("x:n1")  # a lone surrogate in the text: readable, stored
    assert stored is not None and stored.mention.text == "hi \ufffd there"
    assert store.get_case("x:after") is not None and summary.new == 2
    store.close()
