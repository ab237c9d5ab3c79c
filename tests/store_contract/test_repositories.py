"""The repositories on real rows, on both stores: round trips, idempotent inserts,
transactions, migrations. SQLite's own file checks are at the end."""

from __future__ import annotations

import pytest

from bot.adapters.sqlite import MIGRATIONS
from bot.core.cases import note, transition
from bot.core.models import (
    Case,
    CaseState,
    Draft,
    Intent,
    Network,
    OutboxItem,
    OutboxState,
    Priority,
    Quarantined,
    RuleCheck,
    Triage,
)
from bot.core.ports import AlreadyExists
from tests.conftest import make_mention


def a_case(clock, external_id="1", **mention_kw) -> Case:
    m = make_mention(external_id, **mention_kw)
    return Case(m.case_id, m, CaseState.NEW, clock.now(), clock.now())


def test_case_round_trips_with_every_field(store, clock):
    m = make_mention(
        "42",
        text="Ça ne marche pas 🙃 \u202eRTL",
        context=("parent", "grandparent"),
        summoned=False,
        meta={"visibility": "direct"},
    )
    case = Case(
        m.case_id,
        m,
        CaseState.IN_REVIEW,
        clock.now(),
        clock.now(),
        triage=Triage(Intent.COMPLAINT, -0.6, Priority.HIGH, "fr", "app", ("angry",)),
        draft_id="d1",
        draft_seq=3,
        claimed_by="U1",
        approvals=("U1",),
        flags=("sla50",),
        review_ref="C1/123.4",
    )
    store.save_case(case, None)
    assert store.get_case(case.id) == case
    assert store.case_by_ref("C1/123.4") == case


def test_add_case_is_idempotent_and_audited_once(store, clock):
    case = a_case(clock)
    audit = note(case, at=clock.now(), actor="system", action="created")
    assert store.add_case(case, audit) is True
    assert store.add_case(case.evolve(state=CaseState.TRIAGED), audit) is False
    assert store.get_case(case.id).state is CaseState.NEW
    assert [a.action for a in store.audit(case.id)] == ["created"]


def test_cases_filter_by_state_and_since(store, clock):
    old = a_case(clock, "1")
    store.save_case(old, None)
    clock.advance(hours=2)
    new = transition(a_case(clock, "2"), CaseState.TRIAGED, at=clock.now()).case
    store.save_case(new, None)
    assert [c.id for c in store.cases([CaseState.TRIAGED])] == ["x:2"]
    assert [c.id for c in store.cases(since=clock.now())] == ["x:2"]
    assert store.count_by_state() == {"new": 1, "triaged": 1}


def test_a_failed_transaction_leaves_nothing_behind(store, clock):
    case = a_case(clock)
    try:
        with store.transaction():
            store.save_case(case, note(case, at=clock.now(), actor="s", action="x"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert store.get_case(case.id) is None
    assert store.audit(case.id) == []


def test_draft_round_trip_and_recent_replies_newest_first(store, clock):
    draft = Draft(
        "d1",
        "x:1",
        "Thanks!",
        "offline",
        clock.now(),
        checks=(RuleCheck("thanks", True, "found"),),
        usage={"tokens": 12.0},
    )
    store.add_draft(draft)
    assert store.get_draft("d1") == draft
    for n in (1, 2, 3):
        item = OutboxItem(
            f"d{n}", "x:1", Network.X, "1", f"reply {n}", OutboxState.PENDING, clock.now()
        )
        store.enqueue(item)
        store.save_outbox(item.evolve(state=OutboxState.PUBLISHED, remote_id=f"r{n}"))
    assert store.recent_replies(2) == ["reply 3", "reply 2"]


def test_enqueue_never_overwrites_an_existing_row(store, clock):
    item = OutboxItem("d1", "x:1", Network.X, "1", "first", OutboxState.PENDING, clock.now())
    store.enqueue(item)
    store.save_outbox(item.evolve(state=OutboxState.PUBLISHING, attempts=1))
    again = store.enqueue(item.evolve(text="second"))
    assert (again.text, again.state, again.attempts) == ("first", OutboxState.PUBLISHING, 1)


def test_quarantine_keeps_a_preview_and_the_real_size(store, clock):
    store.quarantine(Quarantined("file:inbox", "x" * 1_000_000, "line too large", clock.now()))
    [row] = store.quarantined()
    assert row["raw_bytes"] == 1_000_000
    assert len(row["raw"]) == 2_000
    assert row["reason"] == "line too large"


def test_cursors_settings_and_usage(store):
    assert store.get_cursor("x") is None
    store.set_cursor("x", "100")
    store.set_cursor("x", "200")
    assert store.get_cursor("x") == "200"
    store.set_setting("intake.paused", "1")
    assert store.get_setting("intake.paused") == "1"
    store.record_usage("x", "read", 2, 0.01, day="2026-11-25")
    store.record_usage("x", "read", 3, 0.015, day="2026-11-25")
    [row] = store.usage_since("2026-11-01")
    assert (row.count, round(row.cost, 3)) == (5, 0.025)


def test_resources_read_are_counted_once_a_day_and_earlier_days_forgotten(store):
    def usage() -> dict[tuple[str, str], tuple[int, float]]:
        rows = store.usage_since("2026-11-01")
        return {(r.day, r.kind): (r.count, round(r.cost, 6)) for r in rows}

    posts = [str(1861000000000000000 + n) for n in range(450)]  # more than one statement
    assert store.record_reads("x", "post_read", posts, 0.005, "2026-11-25") == 450
    assert store.record_reads("x", "post_read", [*posts[:10], "7", "7"], 0.005, "2026-11-25") == 1
    assert store.record_reads("x", "user_read", posts[:3], 0.01, "2026-11-25") == 3  # a user
    assert store.record_reads("x", "post_read", [], 0.005, "2026-11-25") == 0
    assert usage() == {
        ("2026-11-25", "post_read"): (451, 2.255),
        ("2026-11-25", "user_read"): (3, 0.03),
    }
    # the next day the same posts are billed again, and the day before's ids are dropped
    assert store.record_reads("x", "post_read", posts[:2], 0.005, "2026-11-26") == 2
    assert usage()[("2026-11-26", "post_read")] == (2, 0.01)
    kept = store.db.query("SELECT day, count(*) AS n FROM usage_reads GROUP BY day")
    assert [(r["day"], r["n"]) for r in kept] == [("2026-11-26", 2)]


def test_nested_transactions_commit_once_at_the_outermost_level(store, clock):
    case = a_case(clock)
    with pytest.raises(RuntimeError), store.transaction():
        with store.transaction():
            store.save_case(case, None)
        assert store.get_case(case.id) is not None  # seen inside the outer transaction
        raise RuntimeError("the outer one fails")
    assert store.get_case(case.id) is None, "the inner block did not commit on its own"
    with store.transaction(), store.transaction():
        store.save_case(case, None)
    assert store.get_case(case.id) is not None


def test_the_store_is_usable_after_a_rolled_back_transaction(store, clock):
    with pytest.raises(RuntimeError), store.transaction():
        store.save_case(a_case(clock, "1"), None)
        raise RuntimeError("boom")
    store.save_case(a_case(clock, "2"), None)
    assert [c.id for c in store.cases()] == ["x:2"]


def test_recent_replies_follow_every_publication_and_removal(store, clock):
    assert store.recent_replies(2) == []
    for n in (1, 2):
        item = OutboxItem(
            f"d{n}", "x:1", Network.X, "1", f"reply {n}", OutboxState.PENDING, clock.now()
        )
        store.enqueue(item)
        assert store.recent_replies(2) == ["reply 1"] * (n - 1)
        store.save_outbox(item.evolve(state=OutboxState.PUBLISHED))
    assert store.recent_replies(2) == ["reply 2", "reply 1"]
    store.db.execute("DELETE FROM outbox WHERE draft_id = 'd2'")  # a purge
    assert store.recent_replies(2) == ["reply 1"]


def test_bulk_intake_writes_all_or_nothing(store, clock):
    first, second = a_case(clock, "1"), a_case(clock, "2")
    created = note(first, at=clock.now(), actor="system", action="created")
    draft = Draft("d1", first.id, "Thanks!", "offline", clock.now())
    store.add_new_cases([(first, [created])], [draft])
    assert store.known(["x:1", "x:2", "x:9"]) == {"x:1"}
    with pytest.raises(AlreadyExists):
        store.add_new_cases([(second, []), (first, [])], [])
    assert store.get_case("x:2") is None, "nothing of a refused batch is written"
    assert store.get_draft("d1") == draft
    assert [a.action for a in store.audit(first.id)] == ["created"]


def test_known_answers_for_batches_larger_than_one_query(store, clock):
    cases = [(a_case(clock, str(n)), []) for n in range(1200)]
    store.add_new_cases(cases, [])
    asked = [f"x:{n}" for n in range(0, 2400, 2)]
    assert store.known(asked) == {f"x:{n}" for n in range(0, 1200, 2)}


def test_every_migration_is_recorded_once_and_running_again_applies_nothing(store):
    assert store.migrate() == []
    rows = store.db.query("SELECT version FROM migrations ORDER BY version")
    assert [r["version"] for r in rows] == sorted(m.version for m in MIGRATIONS)
