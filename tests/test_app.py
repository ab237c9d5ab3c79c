"""build_app wiring: one tick polls, drafts, publishes; notices reach people once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.app import build_app, file_app
from bot.config import load_settings
from bot.core.ports import SourceBatch
from tests.conftest import make_mention


@dataclass
class Channel:
    said: list[str] = field(default_factory=list)

    def thread(self, case, text):
        self.said.append(f"thread {case.id}: {text}")

    def direct(self, user, text):
        self.said.append(f"dm {user}: {text}")

    def channel(self, text):
        self.said.append(text)


@dataclass
class Flaky:
    """A source that reports a notice while `limited` is set."""

    name: str = "x"
    limited: bool = True

    def poll(self, cursor):
        notes = ["X: rate limited until 12:15 UTC"] if self.limited else []
        return SourceBatch(notices=notes)


@pytest.fixture
def app(tmp_path, clock):
    settings = load_settings(data_dir=tmp_path, prompts_dir=None)
    inbox = tmp_path / "inbox.jsonl"
    line = {
        "network": "mastodon", "id": "m1", "author": "ana@example.social",
        "text": "My parcel never arrived, order 5521", "created_at": clock.now().isoformat(),
    }  # fmt: skip
    inbox.write_text(json.dumps(line) + "\n")
    care = file_app(settings, inbox, tmp_path / "outbox.jsonl", clock=clock, notifier=Channel())
    care.startup()
    return care


def test_one_tick_takes_in_drafts_and_an_approval_publishes_once(app, tmp_path):
    first = app.tick()
    assert first.intake.new == 1
    [case] = first.intake.cases
    assert app.review.approve(case.id, "U1").ok
    assert [o.published for o in app.tick().published] == [True]
    assert app.tick().published == []
    rows = (tmp_path / "outbox.jsonl").read_text().splitlines()
    assert [json.loads(r)["in_reply_to"] for r in rows] == ["m1"]


def test_paused_intake_polls_nothing_but_still_publishes(app):
    app.set_paused(True)
    summary = app.tick()
    assert summary.paused and summary.intake.new == 0
    app.set_paused(False)
    assert app.tick().intake.new == 1


def test_a_lasting_notice_is_told_once_and_again_when_it_comes_back(app):
    source = Flaky()
    app.sources.append(source)
    app.tick()
    app.tick()
    source.limited = False
    app.tick()
    source.limited = True
    app.tick()
    said = [s for s in app.notifier.said if "rate limited" in s]
    assert said == [":warning: X: rate limited until 12:15 UTC"] * 2
    assert app.intake_notices == ["X: rate limited until 12:15 UTC"]
    source.limited = False
    app.tick()
    assert app.intake_notices == []


def test_a_broken_source_does_not_stop_the_others(app):
    class Broken:
        name = "bluesky"

        def poll(self, cursor):
            raise ConnectionError("down")

    app.sources.insert(0, Broken())
    summary = app.tick()
    assert summary.intake.new == 1
    assert any("bluesky: intake failed (ConnectionError)" in s for s in app.notifier.said)


def test_stale_notices_are_cleared_on_the_first_tick_and_quiet_ticks_write_nothing(app):
    app.store.set_setting("intake.notices", '["x: rate limited until yesterday"]')
    app.tick()
    assert app.intake_notices == []
    statements: list[str] = []
    app.store.db.trace(statements.append)
    app.tick()
    app.store.db.trace(None)
    assert not [s for s in statements if "settings" in s and "INSERT" in s.upper()]


@dataclass
class FakeLease:
    """Leadership as another instance sees it: None while someone else leads."""

    current: int | None = None

    def epoch(self):
        return self.current

    def start(self, on_lead):
        pass

    def stop(self):
        pass

    def status_line(self):
        return "leader: test"


def test_a_follower_neither_polls_nor_publishes_and_a_new_leader_reconciles_first(app, caplog):
    app.lease = lease = FakeLease()
    assert app.tick().following and not app.leads()
    assert app.store.cases() == [], "a follower takes nothing in"
    lease.current = 7
    caplog.set_level("INFO")
    first = app.tick()
    assert not first.following and first.intake.new == 1
    assert "leading (epoch 7): reconciling the outbox first" in caplog.text
    caplog.clear()
    app.tick()
    assert "reconciling" not in caplog.text, "once per epoch"
    [case] = first.intake.cases
    assert app.review.approve(case.id, "U1").ok  # approved here or on any instance
    lease.current = None
    assert app.tick().published == [], "a follower never publishes"
    lease.current = 8
    assert [o.published for o in app.tick().published] == [True]


@dataclass
class Counting:
    """A network source that counts its polls and returns what it is given."""

    name: str = "x"
    polls: int = 0
    found: list = field(default_factory=list)
    said: list[str] = field(default_factory=list)

    def poll(self, cursor):
        self.polls += 1
        batch = SourceBatch(mentions=self.found, notices=list(self.said))
        self.found = []
        return batch


def test_each_network_is_polled_on_its_rhythm_and_a_file_inbox_on_every_tick(tmp_path, clock):
    settings = load_settings(
        data_dir=tmp_path, prompts_dir=None, poll_seconds=60, poll_fast_seconds=10
    )
    x = Counting(found=[make_mention("7001", now=clock.now(), minutes_ago=0)])
    inbox = Counting(name="inbox")  # not a network: no pace, polled on every tick
    care = build_app(settings, clock=clock, sources=[x, inbox], publishers={}, notifier=Channel())
    care.startup()
    assert care.tick().intake.new == 1 and (x.polls, inbox.polls) == (1, 1)
    assert care.rhythm is not None and care.rhythm.intervals["x"] == 10  # a mention: busy
    clock.advance(timedelta(seconds=9))
    care.tick()
    assert (x.polls, inbox.polls) == (1, 2) and not care.rhythm.any_due()
    waits = []
    for _ in range(4):  # the case stays open: slower, but only down to the attentive pace
        clock.advance(timedelta(seconds=care.rhythm.intervals["x"]))
        assert care.rhythm.any_due()
        care.tick()
        waits.append(care.rhythm.intervals["x"])
    assert waits == [15, 22.5, 30, 30] and x.polls == 5
    [case] = care.store.cases()
    assert care.review.dismiss(case.id, "U1").ok
    clock.advance(timedelta(seconds=30))
    care.tick()
    assert care.rhythm.intervals["x"] == 45  # nothing open: on to the quiet pace


def test_a_notice_holds_between_polls_of_its_network_and_is_told_once(tmp_path, clock):
    settings = load_settings(data_dir=tmp_path, prompts_dir=None, poll_seconds=60)
    x = Counting(said=["x: rate limited until 09:15 UTC; intake degraded"])
    channel = Channel()
    care = build_app(settings, clock=clock, sources=[x], publishers={}, notifier=channel)
    for _ in range(4):
        care.tick()
        clock.advance(timedelta(seconds=25))  # polled at 0 and 75 s, not in between
    assert x.polls == 2
    assert channel.said == [":warning: x: rate limited until 09:15 UTC; intake degraded"]
    assert care.intake_notices == ["x: rate limited until 09:15 UTC; intake degraded"]


def test_paused_intake_leaves_the_networks_undue(tmp_path, clock):
    settings = load_settings(data_dir=tmp_path, prompts_dir=None, poll_seconds=60)
    x = Counting()
    care = build_app(settings, clock=clock, sources=[x], publishers={}, notifier=Channel())
    care.set_paused(True)
    care.tick()
    assert x.polls == 0 and care.rhythm is not None and not care.rhythm.any_due()
    care.set_paused(False)
    clock.advance(timedelta(seconds=60))
    care.tick()
    assert x.polls == 1
