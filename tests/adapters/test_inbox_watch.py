"""The tick runs at start-up, and a file inbox that grows wakes it without waiting for
CAREOPS_POLL_SECONDS (a stat every half second, not a poll)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from bot.adapters.files import JsonlInbox
from bot.adapters.files._jsonl import mention_to_inbox
from bot.adapters.scheduler import register_jobs
from bot.app import file_app
from bot.config import load_settings
from bot.core.clock import FakeClock
from bot.core.jobs import WATCH_SECONDS, Tick, watch_inbox
from tests.conftest import make_mention


def line(ident: str) -> bytes:
    return json.dumps(mention_to_inbox(make_mention(ident))).encode() + b"\n"


def test_the_inbox_has_news_when_it_changed_since_the_last_poll(tmp_path: Path) -> None:
    path = tmp_path / "inbox.jsonl"
    inbox = JsonlInbox(path, FakeClock())
    assert not inbox.has_news()  # no file yet, none read
    path.write_bytes(line("1"))
    assert inbox.has_news()
    cursor = inbox.poll(None).cursor
    assert not inbox.has_news()
    with path.open("ab") as handle:
        handle.write(line("2")[:10])  # half a line: news, the poll takes nothing of it
    assert inbox.has_news()
    assert inbox.poll(cursor).mentions == [] and not inbox.has_news()
    with path.open("ab") as handle:
        handle.write(line("2")[10:])
    assert inbox.has_news()


class Polls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def test_the_watch_wakes_the_tick_unless_a_tick_is_running(tmp_path: Path) -> None:
    path = tmp_path / "inbox.jsonl"
    inbox = JsonlInbox(path, FakeClock())
    scheduler = BackgroundScheduler(timezone="UTC")
    tick = Tick(Polls())
    later = datetime.now(UTC) + timedelta(hours=1)
    scheduler.add_job(tick, "interval", hours=1, id="tick", next_run_time=later)

    def next_run() -> datetime:
        return scheduler.get_job("tick").next_run_time

    def wake() -> None:  # as Careops.wake_tick asks the running scheduler
        scheduler.modify_job("tick", next_run_time=datetime.now(UTC))

    watch_inbox(tick, [inbox], wake)
    assert next_run() == later  # nothing new
    path.write_bytes(line("1"))
    tick.running = True
    watch_inbox(tick, [inbox], wake)
    assert next_run() == later  # a tick is under way: the next look decides
    tick.running = False
    watch_inbox(tick, [inbox], wake)
    assert next_run() < later


def test_the_tick_runs_at_start_up_and_the_inbox_is_watched(tmp_path: Path) -> None:
    config = load_settings(data_dir=tmp_path, poll_seconds=60)
    app = file_app(config, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    scheduler = BackgroundScheduler(timezone="UTC")
    started = datetime.now(UTC)
    names = register_jobs(scheduler, app.jobs)
    assert scheduler.get_job("tick").next_run_time <= started + timedelta(seconds=5)  # not 60
    assert "watch_inbox" in names
    watch = scheduler.get_job("watch_inbox").trigger.interval
    assert watch == timedelta(seconds=WATCH_SECONDS) and WATCH_SECONDS <= 1
    app.store.close()


def test_a_network_due_for_its_poll_wakes_the_tick_too() -> None:
    tick, woken = Tick(Polls()), []
    due = [False]
    watch_inbox(tick, [], lambda: woken.append(1), due=lambda: due[0])
    assert woken == []
    due[0] = True
    tick.running = True
    watch_inbox(tick, [], lambda: woken.append(1), due=lambda: due[0])
    assert woken == []  # the running tick polls it, or the next look wakes another
    tick.running = False
    watch_inbox(tick, [], lambda: woken.append(1), due=lambda: due[0])
    assert woken == [1]
