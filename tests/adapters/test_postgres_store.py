"""What only the PostgreSQL store does: settings errors without the password, a server
restart, the leader lease with its epoch, fencing, LISTEN/NOTIFY, `careops db copy`.
(The repositories themselves are tested on both stores in tests/store_contract/.)"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.postgres import (
    DatabaseSettingsError,
    DatabaseUnavailable,
    Leadership,
    OutboxListener,
    PostgresExamples,
    PostgresStore,
    leader_info,
    wait_for_server,
)
from bot.adapters.sqlite import SqliteStore
from bot.cli import app
from bot.core.cases import note
from bot.core.crisis_groups import CaseGroup
from bot.core.models import (
    Case,
    CaseState,
    Draft,
    Network,
    OutboxItem,
    OutboxState,
    Quarantined,
)
from bot.core.oncall import Override
from bot.core.people import parse_person
from bot.core.ports import OutboxConflict
from bot.core.wow import Gesture, WowKind, WowMoment
from tests.conftest import make_mention
from tests.pg_server import PostgresServer, free_port

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "s3cret-pw-77"


def with_password(url: str, database: str | None = None) -> str:
    head, tail = url.split("@", 1)
    tail = tail if database is None else tail.rsplit("/", 1)[0] + "/" + database
    return f"{head}:{PASSWORD}@{tail}"


def test_settings_mistakes_are_one_line_without_the_password(pg_server: PostgresServer) -> None:
    no_db = with_password(pg_server.url(), "no_such_db")
    with pytest.raises(DatabaseSettingsError) as refused:
        PostgresStore(no_db)
    assert "no_such_db" in str(refused.value) and PASSWORD not in str(refused.value)
    assert "\n" not in str(refused.value)
    with pytest.raises(DatabaseSettingsError, match="must look like"):
        PostgresStore("mysql://root:x@db/careops")
    down = f"postgresql://careops:{PASSWORD}@127.0.0.1:{free_port()}/careops"
    with pytest.raises(DatabaseUnavailable) as away:
        PostgresStore(down)
    assert "not reachable" in str(away.value) and PASSWORD not in str(away.value)


def test_cli_wrong_database_url_exits_2_with_one_clear_line(
    pg_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = with_password(pg_server.url(), "nope")
    result = CliRunner().invoke(app, ["db", "migrate"], env={"CAREOPS_DATABASE_URL": url})
    assert result.exit_code == 2
    assert PASSWORD not in result.output
    assert result.output == (
        f"error: PostgreSQL at postgresql://careops@127.0.0.1:{pg_server.port}/nope refused"
        ' careops: database "nope" does not exist\n'
    )


def a_case(n: str) -> Case:
    m = make_mention(n)
    return Case(m.case_id, m, CaseState.APPROVED, NOW, NOW)


def item(n: str, state: OutboxState = OutboxState.PENDING, attempts: int = 0) -> OutboxItem:
    return OutboxItem(f"d{n}", f"x:{n}", Network.X, n, f"reply {n}", state, NOW, attempts)


def test_the_store_carries_on_after_the_server_restarts(
    pg_server: PostgresServer, pg_url: str
) -> None:
    store = PostgresStore(pg_url)
    store.save_case(a_case("1"), None)
    pg_server.ctl("restart", "-m", "fast")
    store.save_case(a_case("2"), None)  # the pool drops dead connections and opens new ones
    assert sorted(c.id for c in store.cases()) == ["x:1", "x:2"]
    assert store.db.tuples("SHOW jit") == [("off",)]  # new connections are set up alike
    store.close()


def step_until_leading(bidder: Leadership) -> None:
    """Bid until the lock is free: a session ends on the server a moment after its client
    closed it (or was ended)."""
    deadline = time.monotonic() + 10
    while bidder.epoch() is None and time.monotonic() < deadline:
        bidder.step()
        time.sleep(0.02)


def test_one_leader_at_a_time_and_the_epoch_fences_an_old_one(pg_url: str) -> None:
    first, second = Leadership(pg_url, "one", 15), Leadership(pg_url, "two", 15)
    first.step()
    second.step()
    assert (first.epoch(), second.epoch()) == (1, None)
    old = PostgresStore(pg_url, fence=first.epoch)
    assert leader_info(old).holder == "one"
    old.enqueue(item("1"))
    old.save_outbox(item("1", OutboxState.PUBLISHING, 1))  # the leader may move it
    first._lost("test: the old leader's session ends")
    step_until_leading(second)
    assert second.epoch() == 2
    fenced = PostgresStore(pg_url, fence=lambda: 1)  # still believes it leads with epoch 1
    with pytest.raises(OutboxConflict, match="no longer leads"):
        fenced.save_outbox(item("1", OutboxState.PUBLISHED, 1))
    with pytest.raises(OutboxConflict):
        fenced.save_outbox(item("1", OutboxState.PENDING, 1))  # away from publishing: fenced too
    fenced.save_outbox(item("9", OutboxState.FAILED))  # not the publisher's move: anyone may
    assert [i.state for i in fenced.outbox([OutboxState.PUBLISHING])] == [OutboxState.PUBLISHING]
    second._lost("test done")
    for store in (old, fenced):
        store.close()


def test_a_leader_that_stops_renewing_is_ended_by_a_follower(pg_url: str) -> None:
    stuck, follower = Leadership(pg_url, "stuck", 1.0), Leadership(pg_url, "next", 1.0)
    stuck.step()
    assert stuck.epoch() == 1
    store = PostgresStore(pg_url)
    store.db.execute(
        "UPDATE leader_lease SET renewed_at = now() - interval '5 seconds'"
    )  # as if paused for 5 s
    follower.step()  # ends the stuck session
    step_until_leading(follower)  # and takes the lock once the session is gone
    assert follower.epoch() == 2
    stuck.step()  # wakes up: its renewal fails, it steps down
    assert stuck.epoch() is None
    follower._lost("test done")
    store.close()


def test_an_enqueue_on_any_instance_wakes_the_listener(pg_url: str) -> None:
    woken = threading.Event()
    listener = OutboxListener(pg_url, woken.set)
    listener.start()
    store = PostgresStore(pg_url)
    try:
        for _ in range(50):  # until LISTEN is in place, an enqueue may be missed
            store.enqueue(item(str(_)))
            if woken.wait(0.1):
                break
        assert woken.is_set()
    finally:
        listener.stop()
        store.close()


def filled_sqlite(path: Path) -> SqliteStore:
    """A SQLite store with rows in every table careops has."""
    store = SqliteStore(path)
    for n in ("1", "2", "3"):
        store.add_case(a_case(n), note(a_case(n), at=NOW, actor="system", action="created"))
        store.add_draft(Draft(f"d{n}", f"x:{n}", f"reply {n}", "offline", NOW))
        store.enqueue(item(n))
    store.save_outbox(item("1", OutboxState.PUBLISHED, 1))
    store.quarantine(Quarantined("x", "bad \x00 line", "not JSON", NOW))
    store.set_cursor("x", "100")
    store.set_setting("intake.paused", "0")
    store.record_usage("x", "read", 2, 0.01, day="2026-11-25")
    store.record_reads("x", "user_read", ["783214"], 0.01, "2026-11-25")
    store.ops.add_override(Override("U9", NOW, NOW, "U1", NOW, "2h"))
    store.ops.set_crisis(True, "outage", "U1", NOW)
    store.ops.mark("handoff:1", NOW)
    store.groups.start_group(CaseGroup("g:x:1", "app down", ("x:1", "x:2")), NOW)
    store.examples.sync()
    store.people.link([parse_person("x:maria_g"), parse_person("bluesky:maria.bsky.social")],
                      "U1", NOW)  # fmt: skip
    moment = WowMoment("x:1", WowKind.MILESTONE, "new baby", NOW, Network.X, "maria_g")
    gift = Gesture("x:1", "card", "a handwritten card", 3.0, "U1", NOW)
    store.wow.add_gesture(gift, moment, note(a_case("1"), at=NOW, actor="U1", action="gift"))
    return store


def test_db_copy_moves_every_table_and_refuses_a_filled_target(
    tmp_path: Path, pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = filled_sqlite(tmp_path / "careops.db")
    target = pg_server.fresh_database()
    copy = ["db", "copy", "--data-dir", str(tmp_path), "--to", target]

    done = CliRunner().invoke(app, copy)
    assert done.exit_code == 0, done.output
    assert "counts match" in done.output
    copied = {line.split()[0]: int(line.split()[1]) for line in done.output.splitlines()[:-1]}
    assert set(copied) >= {
        "cases", "drafts", "outbox", "audit", "quarantine", "cursors", "settings", "usage",
        "usage_reads", "ops_overrides", "ops_crisis", "ops_sent", "slack_groups",
        "slack_group_members", "drafting_examples",
    }  # fmt: skip
    assert all(copied.values())

    pg = PostgresStore(target)
    assert pg.cases() == source.cases() and pg.outbox(list(OutboxState)) == source.outbox(
        list(OutboxState)
    )
    assert pg.ops.crisis_active() and pg.ops.overrides() == source.ops.overrides()
    assert pg.groups.group_of("x:2") == source.groups.group_of("x:2")
    assert PostgresExamples(pg.sql).similar("parcel late", 3) == ["reply 1"]
    added = pg.ops.add_override(Override("U8", NOW, NOW, "U1", NOW, "1h"))
    assert added.id == 2, "ids given by the database continue after the copied ones"

    again = CliRunner().invoke(app, copy)
    assert again.exit_code == 2 and "already holds rows" in again.output
    replaced = CliRunner().invoke(app, [*copy, "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert len(pg.ops.overrides()) == 1
    pg.close()
    source.close()


def test_status_line_names_the_leader_and_since_when(pg_url: str) -> None:
    lease = Leadership(pg_url, "care-1", 15)
    lease.step()
    line = lease.status_line()
    assert line.startswith("leader: care-1 since 20") and "(epoch 1" in line
    assert line.endswith("(this instance)")
    assert Leadership(pg_url, "care-2", 15).status_line().startswith("leader: care-1 since")
    lease._lost("test done")


def test_a_server_that_is_down_is_waited_for_with_a_line_per_try(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []
    down = f"postgresql://careops:{PASSWORD}@127.0.0.1:{free_port()}/careops"
    with pytest.raises(DatabaseUnavailable):
        wait_for_server(down, patience=3, sleep=waits.append)
    assert waits == [1.0, 2.0], "the wait doubles, up to the patience given"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all("is not reachable" in line for line in lines)
    assert "retrying in 1 s" in lines[0] and PASSWORD not in caplog.text


def test_careops_check_says_which_database_and_who_leads(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lease = Leadership(pg_url, "care-1", 15)
    lease.step()
    nowhere = {"SLACK_API_URL": "http://127.0.0.1:9/api/"}  # no Slack: the check is quick
    result = CliRunner().invoke(app, ["check"], env={"CAREOPS_DATABASE_URL": pg_url, **nowhere})
    [line] = [line for line in result.output.splitlines() if line.startswith("database")]
    assert line.split()[:3] == ["database", "ok", "PostgreSQL"]
    assert "leader: care-1 since" in line
    lease._lost("test done")
    down = f"postgresql://careops:{PASSWORD}@127.0.0.1:{free_port()}/careops"
    result = CliRunner().invoke(app, ["check"], env={"CAREOPS_DATABASE_URL": down, **nowhere})
    [line] = [line for line in result.output.splitlines() if line.startswith("database")]
    assert line.split()[:2] == ["database", "wrong"] and "not reachable" in line
    assert PASSWORD not in result.output and result.exit_code == 1


def test_a_slack_action_while_postgresql_is_away_is_stored_when_it_is_back(
    pg_server: PostgresServer, pg_url: str, tmp_path: Path
) -> None:
    from bot.adapters.slack._journal import ActionJournal, run_journaled

    store = PostgresStore(pg_url)
    journal = ActionJournal(tmp_path / "careops-actions.db")
    entry = journal.write("event:Ev1", {"event": {"type": "reaction_added"}})
    assert entry is not None
    pg_server.ctl("stop", "-m", "fast")
    back = threading.Timer(1.0, pg_server.ctl, ("start",))
    back.start()
    try:
        stored = run_journaled(
            journal, entry, lambda: store.set_setting("intake.paused", "1") or "stored", (),
            lambda *told: pytest.fail(f"the person was told {told}"),
        )  # fmt: skip
    finally:
        back.join()
    assert stored == "stored" and store.get_setting("intake.paused") == "1"
    assert journal.undone() == []
    store.close()
