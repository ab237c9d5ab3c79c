"""JSONL inbox and outbox: bad lines are quarantined, replies are written exactly once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.files._jsonl import (
    MAX_LINE_BYTES,
    BadLine,
    JsonlInbox,
    JsonlOutbox,
    mention_to_inbox,
    parse_inbox_line,
)
from bot.core.models import Mention, Network, OutboxItem, OutboxState
from tests.conftest import make_mention

GOOD = {
    "network": "bluesky",
    "id": "3kabc",
    "author": "@sam.bsky.social",
    "author_name": "Sam",
    "text": "Where is my parcel? 📦",
    "created_at": "2026-11-25T08:55:00Z",
    "meta": {"uri": "at://did:plc:abc/app.bsky.feed.post/3kabc", "cid": "bafy"},
}


def line(obj) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def test_a_good_line_becomes_a_mention():
    m = parse_inbox_line(line(GOOD).strip())
    assert (m.network, m.external_id, m.author_handle) == (
        Network.BLUESKY,
        "3kabc",
        "sam.bsky.social",
    )
    assert m.created_at.isoformat() == "2026-11-25T08:55:00+00:00"
    assert m.meta["cid"] == "bafy"
    assert m.summoned is True


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "bad JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (line({**GOOD, "text": ""}).strip(), "missing fields: text"),
        (line({k: v for k, v in GOOD.items() if k != "author"}).strip(), "missing fields: author"),
        (line({**GOOD, "network": "myspace"}).strip(), "unknown network"),
        (line({**GOOD, "created_at": "yesterday"}).strip(), "bad created_at"),
        (line({**GOOD, "text": 5}).strip(), "text must be text, not the number 5"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (line({**GOOD, "text": "a" * (MAX_LINE_BYTES + 1)}).strip(), "line too large"),
        # wrong types are refused, never coerced into a case
        (
            b'{"network": "x", "id": NaN, "author": "a", "text": "hi", "created_at": "2026-11-25"}',
            "id must be text or a whole number, not the number nan",
        ),
        (line({**GOOD, "id": 1.5}).strip(), "id must be text or a whole number"),
        (line({**GOOD, "id": True}).strip(), "not the boolean true"),
        (line({**GOOD, "author": ["a", "b"]}).strip(), "author must be text, not a list"),
        (line({**GOOD, "author": 42}).strip(), "author must be text, not the number 42"),
        (line({**GOOD, "author_name": {"a": 1}}).strip(), "author name must be text"),
        (line({**GOOD, "summoned": "false"}).strip(), "summoned must be true or false"),
        (line({**GOOD, "meta": {"uri": 5}}).strip(), "meta 'uri' must be text"),
        (line({**GOOD, "context": "a thread"}).strip(), "context must be a list"),
        (line({**GOOD, "context": [1]}).strip(), "context must be text"),
        (line({**GOOD, "network": ["x"]}).strip(), "network must be text"),
        (line({**GOOD, "created_at": 1764061200}).strip(), "bad created_at"),
        (line({**GOOD, "created_at": "9999-12-31T23:59:00Z"}).strip(), "not a plausible time"),
        (line({**GOOD, "id": "12\n34"}).strip(), "id contains white space"),
        (line({**GOOD, "author": "sam\u202e"}).strip(), "author contains invisible formatting"),
        (line({**GOOD, "author": "sam\x07"}).strip(), "author contains a control character"),
        # JSON that parses into text no store can hold (a lone surrogate), in an id
        (
            b'{"network": "x", "id": "\\ud800", "author": "a", "text": "hi",'
            b' "created_at": "2026-11-25"}',
            "lone surrogate",
        ),
        (b"[" * 3000 + b"]" * 3000, "nested too deeply"),
    ],
)
def test_bad_lines_say_why(raw, reason):
    with pytest.raises(BadLine, match=reason):
        parse_inbox_line(raw)


def test_inbox_reads_only_new_whole_lines_and_quarantines_bad_ones(tmp_path, clock):
    path = tmp_path / "inbox.jsonl"
    path.write_bytes(line(GOOD) + b"{oops\n" + b"\xff\xfe junk\n" + line({**GOOD, "id": "2"})[:20])
    inbox = JsonlInbox(path, clock)
    first = inbox.poll(None)
    assert [m.external_id for m in first.mentions] == ["3kabc"]
    assert [q.reason.split(":")[0] for q in first.quarantined] == [
        "bad JSON",
        "not UTF-8 text (byte 0)",
    ]
    # the half-written last line waits until it is complete
    with path.open("ab") as handle:
        handle.write(line({**GOOD, "id": "2"})[20:])
    second = inbox.poll(first.cursor)
    assert [m.external_id for m in second.mentions] == ["2"]
    assert inbox.poll(second.cursor).mentions == []


def test_inbox_that_shrank_is_read_again_with_a_notice(tmp_path, clock):
    path = tmp_path / "inbox.jsonl"
    path.write_bytes(line(GOOD) * 3)
    inbox = JsonlInbox(path, clock)
    cursor = inbox.poll(None).cursor
    path.write_bytes(line(GOOD))
    batch = inbox.poll(cursor)
    assert len(batch.mentions) == 1
    assert "shrank" in batch.notices[0]


def test_mention_survives_the_inbox_format(clock):
    m = make_mention("7", context=("parent",), summoned=False, meta={"visibility": "direct"})
    assert parse_inbox_line(json.dumps(mention_to_inbox(m)).encode()) == m


def item(draft_id="d1", text="Thanks!") -> OutboxItem:
    from datetime import UTC, datetime

    return OutboxItem(
        draft_id,
        "x:1",
        Network.X,
        "1",
        text,
        OutboxState.PUBLISHING,
        datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_outbox_line_has_the_documented_fields_and_is_written_once(tmp_path, clock):
    outbox = JsonlOutbox(tmp_path / "outbox.jsonl", clock)
    assert outbox.find_existing(item()) is None
    first = outbox.publish(item())
    second = outbox.publish(item())
    assert first == second
    [row] = [json.loads(x) for x in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert set(row) == {"network", "in_reply_to", "text", "draft_id", "published_at"}
    assert row["published_at"] == clock.now().isoformat()
    assert outbox.find_existing(item()) == first


def test_outbox_after_a_torn_write_starts_a_fresh_line(tmp_path, clock):
    path = tmp_path / "outbox.jsonl"
    path.write_bytes(b'{"network": "x", "draft_id": "d1", "te')  # killed mid-write
    outbox = JsonlOutbox(path, clock)
    assert outbox.find_existing(item("d1")) is None
    outbox.publish(item("d1"))
    rows = [json.loads(x) for x in path.read_bytes().splitlines()[1:]]
    assert [r["draft_id"] for r in rows] == ["d1"]
    assert list(outbox.published()) == ["d1"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2_000))
def test_any_bytes_give_a_mention_or_a_reason(raw):
    try:
        assert isinstance(parse_inbox_line(raw), Mention)
    except BadLine as exc:
        assert str(exc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*GOOD, "context", "summoned", "in_reply_to", "url"]), json_values
    )
)
def test_any_json_object_gives_a_mention_or_a_reason(obj):
    try:
        m = parse_inbox_line(json.dumps({**obj}).encode())
    except BadLine as exc:
        assert str(exc)
    else:
        assert m.text and m.external_id and m.network in Network


handles = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")), min_size=1
).filter(lambda h: h.strip() and h.lstrip("@") and not any(c.isspace() for c in h))


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), handles)
def test_any_text_and_author_round_trip(text, author):
    obj = {**GOOD, "text": text, "author": author}
    m = parse_inbox_line(json.dumps(obj).encode())
    assert m.text == text
    assert m.author_handle == author.lstrip("@")
