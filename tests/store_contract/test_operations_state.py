"""Operations state on both stores: the crisis switch, on-call overrides, once-only
markers, retention and a person's removal request (bot/adapters/sqlite/_ops.py runs the
same SQL on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import CaseState, Network, OutboxItem, OutboxState, Quarantined
from bot.core.oncall import Override
from tests.conftest import make_mention
from tests.core.test_jobs import add_case

NOW = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_crisis_switch_is_kept_with_who_and_why(store):
    assert store.ops.crisis_active() is False
    assert store.ops.set_crisis(True, "outage", "U1", NOW)
    assert not store.ops.set_crisis(True, "again", "U2", NOW)
    assert store.ops.crisis_active()
    assert store.ops.set_crisis(False, "", "U3", NOW + timedelta(hours=2))
    history = store.ops.crisis_history()
    assert [(h.active, h.reason, h.user) for h in history] == [
        (True, "outage", "U1"),
        (False, "", "U3"),
    ]


def test_overrides_and_ledger_round_trip(store):
    saved = store.ops.add_override(Override("U9", NOW, NOW + timedelta(hours=2), "U1", NOW, "2h"))
    assert saved.id == 1
    assert store.ops.overrides() == [saved]
    assert store.ops.overrides(ending_after=NOW + timedelta(hours=2)) == []
    ledger = store.ops
    assert not ledger.seen("handoff:x")
    ledger.mark("handoff:x", NOW)
    ledger.mark("handoff:x", NOW)  # a second mark changes nothing
    assert ledger.seen("handoff:x")


def test_retention_keeps_open_cases_and_recent_ones(store):
    old = NOW - timedelta(days=100)
    done = add_case(store, make_mention("1", now=old), old)
    store.save_case(done.evolve(state=CaseState.PUBLISHED, published_at=old), None)
    add_case(store, make_mention("2", now=old), old)  # still open: kept
    add_case(store, make_mention("3", now=NOW), NOW, state=CaseState.DISMISSED)  # recent: kept
    store.quarantine(Quarantined("x", "x:9 @someone", "empty text", old))
    counts = store.ops.purge_before(NOW - timedelta(days=90))
    assert counts == {
        "cases": 1, "drafts": 0, "outbox": 0, "audit": 1, "quarantine": 1,
        "drafting_examples": 0, "drafting_examples_fts": 0, "slack_group_members": 0,
        "wow_moments": 0, "wow_gestures": 0,
    }  # fmt: skip
    assert sorted(c.id for c in store.cases()) == ["x:2", "x:3"]


def test_purge_author_also_forgets_their_words_kept_as_drafting_examples(store):
    for n, author in (("1", "maria_g"), ("2", "sam")):
        add_case(store, make_mention(n, author=author, text="my parcel is late again"), NOW)
        item = OutboxItem(f"d{n}", f"x:{n}", Network.X, n, f"reply {n}", OutboxState.PENDING, NOW)
        store.enqueue(item)
        store.save_outbox(item.evolve(state=OutboxState.PUBLISHED))
    index = store.examples
    assert sorted(index.similar("parcel late", 5)) == ["reply 1", "reply 2"]
    counts = store.ops.purge_author("@Maria_G")
    assert counts["drafting_examples"] == 1 and counts["drafting_examples_fts"] == 1
    assert index.similar("parcel late", 5) == ["reply 2"]
    assert store.db.scalar("SELECT count(*) FROM drafting_examples_fts") == 1


def test_purge_author_takes_quarantined_rows_that_name_them_only(store):
    store.quarantine(Quarantined("x", "x:1 @maria_g", "empty text", NOW))
    store.quarantine(Quarantined("x", "x:2 @maria_gx", "empty text", NOW))
    counts = store.ops.purge_author("Maria_G")
    assert counts["quarantine"] == 1
    assert [r["raw"] for r in store.quarantined()] == ["x:2 @maria_gx"]
    with pytest.raises(ValueError):
        store.ops.purge_author(" @ ")


def test_purge_author_leaves_no_crisis_group_membership_behind(store):
    add_case(store, make_mention("1", author="maria_g"), NOW)
    store.db.execute(
        "INSERT INTO slack_group_members (case_id, group_id, seq, joined_at) VALUES (?, ?, ?, ?)",
        ("x:1", "g1", 1, NOW.isoformat()),
    )
    assert store.ops.purge_author("maria_g")["slack_group_members"] == 1
    assert store.db.scalar("SELECT count(*) FROM slack_group_members") == 0
