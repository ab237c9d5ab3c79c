"""The action journal: written before Slack is answered, done when the work is stored,
replayed after a crash, and an honest "not saved" when it cannot be written."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.slack._cards import ACTION_APPROVE, EDIT_VIEW
from bot.adapters.slack._journal import ActionJournal, journal_path, run_journaled
from bot.core.clock import FakeClock
from bot.core.models import CaseState
from tests.conftest import make_mention
from tests.fakes.slack_requests import (
    command_body,
    home_opened_body,
    interactive_body,
    reaction_body,
    signed_post,
)
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, SlackWorld, slack_world

CARD_TS = "1764061200.000001"  # the fake's first message


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[SlackWorld]:
    with slack_world(tmp_path, clock) as w:
        w.add_mention(make_mention("2001", "Parcel 5521 is late, help?"))
        w.tick()
        assert w.care.store.get_case("x:2001").review_ref == f"{CHANNEL}/{CARD_TS}"
        yield w


def rows(world: SlackWorld) -> list[tuple[str, str | None, str]]:
    with contextlib.closing(sqlite3.connect(journal_path(Path(world.care.store.path)))) as conn:
        return conn.execute("SELECT key, done_at IS NOT NULL, outcome FROM actions").fetchall()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process's write transaction on `path`, as `sqlite3 careops.db` left open."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def react(world: SlackWorld, event_id: str, reaction: str = "white_check_mark") -> int:
    body = reaction_body(reaction, APPROVER, CHANNEL, CARD_TS, event_id)
    return signed_post(world.base_url, SECRET, body)[0]


def state(world: SlackWorld) -> CaseState:
    return world.care.store.get_case("x:2001").state


def test_a_state_changing_request_is_journaled_then_done_and_a_read_is_not(world: SlackWorld):
    assert signed_post(world.base_url, SECRET, home_opened_body(APPROVER, "EvHome"))[0] == 200
    assert react(world, "EvTada", "tada") == 200  # careops does nothing with 🎉
    assert react(world, "EvOk1") == 200
    world.rt.drain()
    assert rows(world) == [("event:EvOk1", 1, "done")]
    assert state(world) is CaseState.APPROVED


def test_an_event_redelivered_after_a_restart_is_not_acted_on_twice(world: SlackWorld) -> None:
    assert react(world, "EvTwice") == 200
    world.rt.drain()
    world.rt.dedup._seen.clear()  # a new process remembers no event ids
    assert react(world, "EvTwice") == 200
    world.rt.drain()
    assert rows(world) == [("event:EvTwice", 1, "done")]


def test_when_the_journal_cannot_be_written_the_person_is_told_and_nothing_changes(
    world: SlackWorld,
) -> None:
    journal = journal_path(Path(world.care.store.path))
    world.rt.journal.conn.execute("PRAGMA busy_timeout=100")  # 1 s in production
    with locked(journal):
        assert react(world, "EvLocked") == 200
        button = interactive_body(
            "BlockActionPayload.json", user={"id": APPROVER}, channel={"id": CHANNEL},
            actions=[{"action_id": ACTION_APPROVE, "value": "x:2001", "type": "button"}],
        )  # fmt: skip
        assert signed_post(world.base_url, SECRET, button, form=True)[0] == 200
        command = command_body("pause", APPROVER, world.api.response_url("pause"))
        _, said, _ = signed_post(world.base_url, SECRET, command, form=True)
        values = {"draft": {"text": {"type": "plain_text_input", "value": "New words, thanks!"}}}
        submit = interactive_body(
            "ViewSubmissionPayload.json", user={"id": APPROVER},
            view={"callback_id": EDIT_VIEW, "private_metadata": "x:2001",
                  "state": {"values": values}},
        )  # fmt: skip
        _, modal, _ = signed_post(world.base_url, SECRET, submit, form=True)
    world.rt.drain()
    notes = [c.params for c in world.api.wait_for("chat.postEphemeral", 2)]
    assert [n["user"] for n in notes] == [APPROVER, APPROVER]
    assert all(n["text"].startswith("Not saved (database is locked)") for n in notes)
    assert json.loads(said)["text"].startswith("Not saved (database is locked)")
    assert json.loads(modal)["errors"]["draft"].startswith("Not saved (database is locked)")
    assert state(world) is CaseState.IN_REVIEW and not world.care.paused
    assert world.api.calls_to("chat.update") == []  # the card keeps its buttons
    assert rows(world) == []


def test_an_approval_stored_while_the_database_is_locked_goes_in_once_it_is_free(
    world: SlackWorld,
) -> None:
    world.care.store.db.execute("PRAGMA busy_timeout=50")  # past it quickly
    released = threading.Event()
    with locked(Path(world.care.store.path)):
        assert react(world, "EvDuringLock") == 200  # journaled: the journal is its own file
        threading.Timer(0.6, released.set).start()
        released.wait(5)
    world.rt.drain(timeout=15)
    world.tick()
    assert state(world) is CaseState.PUBLISHED
    assert len(world.outbox_lines()) == 1
    assert rows(world) == [("event:EvDuringLock", 1, "done")]


def test_actions_left_undone_by_a_crash_are_replayed_once(world: SlackWorld) -> None:
    journal = ActionJournal(journal_path(Path(world.care.store.path)))
    body = json.loads(reaction_body("white_check_mark", APPROVER, CHANNEL, CARD_TS, "EvCrash"))
    journal.write("event:EvCrash", body)  # acknowledged, then killed before the work
    tada = json.loads(reaction_body("tada", APPROVER, CHANNEL, CARD_TS, "EvTada2"))
    journal.write("event:EvTada2", tada)
    journal.close()
    assert world.rt.replay_journal() == 2
    world.rt.drain()
    world.tick()
    assert state(world) is CaseState.PUBLISHED and len(world.outbox_lines()) == 1
    assert sorted(rows(world)) == [
        ("event:EvCrash", 1, "done"), ("event:EvTada2", 1, "replayed: nothing to do"),
    ]  # fmt: skip
    assert world.rt.replay_journal() == 0


def test_work_failing_on_storage_past_the_retry_time_tells_the_person(tmp_path: Path) -> None:
    journal = ActionJournal(tmp_path / "j.db")
    body = json.loads(reaction_body("white_check_mark", APPROVER, CHANNEL, CARD_TS, "EvFull"))
    entry = journal.write("event:EvFull", body)
    assert entry is not None
    told: list[tuple[str, str, str]] = []
    tries: list[int] = []

    def full() -> None:
        tries.append(1)
        raise sqlite3.OperationalError("database or disk is full")

    run_journaled(journal, entry, full, (), lambda *a: told.append(a), retry_for=0.0,
                  sleep=lambda s: None)  # fmt: skip
    assert told == [(CHANNEL, APPROVER, told[0][2])]
    assert told[0][2].startswith("Not saved (database or disk is full)")
    assert journal.undone() == []
    calls = {"n": 0}

    def locked_twice() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise sqlite3.OperationalError("database is locked")
        return "stored"

    second = journal.write("event:EvLocked2", body)
    assert second is not None
    assert run_journaled(journal, second, locked_twice, (), lambda *a: None,
                         sleep=lambda s: None) == "stored"  # fmt: skip
    assert calls["n"] == 3 and journal.undone() == []
