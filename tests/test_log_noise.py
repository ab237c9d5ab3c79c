"""A lasting failure is one log line, not one per tick: a broken source, a Slack that
refuses notices, a job failing the same way, a job overrunning its interval."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES

from bot.adapters import scheduler
from bot.app import file_app
from bot.config import load_settings


class SlackDown:
    def __init__(self) -> None:
        self.down = True
        self.said: list[str] = []

    def channel(self, text: str) -> None:
        if self.down:
            raise ConnectionError("Slack unreachable")
        self.said.append(text)

    def thread(self, case: object, text: str) -> None: ...

    def direct(self, user: str, text: str) -> None: ...


class Broken:
    name = "bluesky"

    def poll(self, cursor: object) -> object:
        raise ConnectionError("down")


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= level]


def test_a_broken_source_and_a_failing_notice_are_logged_once_over_many_ticks(
    tmp_path, clock, caplog
):
    settings = load_settings(data_dir=tmp_path, prompts_dir=None)
    (tmp_path / "inbox.jsonl").write_text("")
    notifier = SlackDown()
    care = file_app(settings, tmp_path / "inbox.jsonl", tmp_path / "out.jsonl", clock=clock,
                    notifier=notifier)  # fmt: skip
    care.sources.insert(0, Broken())
    care.startup()
    for _ in range(20):
        care.tick()  # the notice about the broken source cannot reach Slack either
    errors = records(caplog, logging.ERROR)
    assert len(errors) == 2, errors
    assert "polling bluesky failed: ConnectionError: down" in errors[0]
    assert "posting a notice to Slack failed: ConnectionError: Slack unreachable" in errors[1]
    notifier.down = False
    care.tick()
    care.tick()
    assert notifier.said == [":warning: bluesky: intake failed (ConnectionError)"]  # told once
    assert any("posting a notice to Slack works again" in m for m in records(caplog, 0))
    assert json.loads(care.store.get_setting("intake.notices") or "[]") == [
        "bluesky: intake failed (ConnectionError)"
    ]


def test_a_job_failing_the_same_way_is_logged_once_and_once_when_it_recovers(caplog):
    state = {"fail": True}

    def job() -> None:
        if state["fail"]:
            raise OSError("database is locked")

    run = scheduler.guarded("tick", job)
    for _ in range(30):
        run()
    assert len(records(caplog, logging.ERROR)) == 1
    state["fail"] = False
    run()
    run()
    assert records(caplog, logging.WARNING)[-1] == (
        "job tick works again (it failed 30 time(s) in a row)"
    )


def test_skipped_runs_of_an_overrunning_job_are_one_line_and_one_when_it_finishes(caplog):
    apscheduler_log = logging.getLogger("apscheduler.scheduler")
    overruns = scheduler._Overruns()
    for _ in range(147):
        apscheduler_log.warning(
            'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
            "tick",
            1,
        )
        overruns.on_event(SimpleNamespace(code=EVENT_JOB_MAX_INSTANCES, job_id="tick"))
    overruns.on_event(SimpleNamespace(code=EVENT_JOB_EXECUTED, job_id="tick"))
    assert records(caplog, logging.WARNING) == [
        "job tick is still running; runs are skipped until it finishes",
        "job tick finished; 147 run(s) were skipped",
    ]
