"""Approved replies become examples: ranked by full-text search (SQLite FTS5, PostgreSQL
tsvector), filled from published outbox rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.adapters.sqlite import SqliteStore
from bot.adapters.sqlite._examples import fts_query
from bot.core.cases import note
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Draft, OutboxItem, OutboxState
from tests.conftest import make_mention


def _publish(
    store: Any,
    clock: FakeClock,
    ext: str,
    text: str,
    reply: str,
    edited_from: str | None = None,
) -> None:
    mention = make_mention(ext, text)
    case = Case(mention.case_id, mention, CaseState.PUBLISHED, clock.now(), clock.now())
    store.add_case(case, note(case, at=clock.now(), actor="system", action="created"))
    draft = Draft(f"d{ext}", case.id, reply, "offline", clock.now(), edited_from=edited_from)
    store.add_draft(draft)
    item = OutboxItem(
        draft.id, case.id, mention.network, ext, reply, OutboxState.PENDING, clock.now()
    )
    store.enqueue(item)
    store.save_outbox(replace(item, state=OutboxState.PUBLISHED, remote_id=f"r{ext}"))


def test_published_replies_rank_by_similar_mentions(store: Any, clock: FakeClock) -> None:
    _publish(
        store,
        clock,
        "1",
        "my parcel is late and the tracking is stuck",
        "Thanks for flagging! DM us the tracking number.",
    )
    _publish(
        store,
        clock,
        "2",
        "the app crashes when I log in",
        "Thanks! Try updating the app.",
        edited_from="dx",
    )
    _publish(
        store,
        clock,
        "3",
        "refund still missing after two weeks",
        "Thanks for your patience, DM us the order.",
    )
    index = store.examples
    assert index.similar("tracking stuck, parcel late again", 2)[0] == (
        "Thanks for flagging! DM us the tracking number."
    )
    assert index.similar("app login crashes", 1) == ["Thanks! Try updating the app."]
    assert index.similar("zzz qqq", 3) == []
    assert index.unedited_share() == 2 / 3
    assert index.sync() == 0, "already indexed rows are not added twice"


def test_query_is_quoted_words_only() -> None:
    assert fts_query('NEAR("a b") OR x* -- 12345 "quoted" parcel') == (
        '"near" OR "quoted" OR "parcel"'
    )
    assert fts_query("!!") == ""


def test_replies_published_later_are_indexed_and_idle_lookups_scan_nothing(
    store: Any, clock: FakeClock
) -> None:
    index = store.examples
    _publish(store, clock, "1", "my parcel is late", "Thanks! DM us the tracking number.")
    assert index.similar("parcel late", 3) == ["Thanks! DM us the tracking number."]
    if isinstance(store, SqliteStore):
        statements: list[str] = []
        store.db.trace(statements.append)
        assert index.similar("parcel late", 3) == ["Thanks! DM us the tracking number."]
        assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
        store.db.trace(None)
    assert index.sync() == 0, "nothing new published: nothing to index"
    _publish(store, clock, "2", "parcel late again", "Thanks, sorry! DM us the order.")
    assert sorted(index.similar("parcel late", 3)) == [
        "Thanks! DM us the tracking number.",
        "Thanks, sorry! DM us the order.",
    ]
