"""Operations adapters: SQLite state, /care subcommands on a real app, scheduler wiring."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.adapters.scheduler import register_jobs
from bot.adapters.slack._commands import SUBCOMMANDS
from bot.adapters.slack._commands import dispatch as slack_dispatch
from bot.adapters.slack._ops_commands import today_text
from bot.adapters.slack._reply import CommandContext, CommandReply
from bot.app import file_app
from bot.careops import Careops
from bot.config import load_settings
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState
from bot.core.permissions import Action
from tests.conftest import make_mention
from tests.core.test_jobs import add_case


def dispatch(care: Careops, user: str, text: str) -> CommandReply:
    """`/care` as Slack's handlers run it, with the app's narrow services (no Slack client)."""
    return slack_dispatch(CommandContext(care.services), user, text)


NOW = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 in Berlin, U01AAA on call
TOML = """
[oncall]
timezone = "Europe/Berlin"
members = ["U01AAA", "U02BBB", "U03CCC"]
shift_hours = 8
start = "2026-01-05T08:00:00"
[retention]
days = 30
"""


@dataclass
class Notes:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def thread(self, case: Case, text: str) -> None:
        self.sent.append((f"thread:{case.id}", text))

    def direct(self, user: str, text: str) -> None:
        self.sent.append((f"dm:{user}", text))

    def channel(self, text: str) -> None:
        self.sent.append(("channel", text))


@pytest.fixture
def care(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "careops.toml").write_text(TOML)
    config = load_settings(
        data_dir=tmp_path, config_path=tmp_path / "careops.toml", slack_approvers=["UBOSS", "UTWO"]
    )
    app = file_app(
        config,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        clock=FakeClock(NOW),
        notifier=Notes(),
    )
    yield app
    app.store.close()


def test_care_crisis_needs_an_approver_and_makes_approval_need_two(care: Careops):
    assert set(SUBCOMMANDS) >= {"oncall", "cover", "crisis", "stats"}
    assert (
        dispatch(care, "UNOBODY", "crisis on outage").text
        == "Only approvers can switch crisis mode."
    )
    assert care.review.policy().required == 1
    reply = dispatch(care, "UBOSS", "crisis on parcel lockers down")
    assert reply.text.startswith("Crisis mode ON (<@UBOSS>): parcel lockers down.")
    assert care.review.policy().required == 2 and care.loop.crisis()
    assert dispatch(care, "UTWO", "crisis on").text == "Crisis mode is already on."
    assert (
        "since Sun 08:00 UTC (<@UBOSS>): parcel lockers down" in dispatch(care, "U1", "crisis").text
    )
    assert dispatch(care, "UTWO", "crisis off").text.startswith("Crisis mode OFF")
    assert care.review.policy().required == 1
    assert [to for to, _ in care.notifier.sent] == ["channel", "channel"]
    assert "Usage" in dispatch(care, "UBOSS", "crisis maybe").text


def test_care_oncall_and_cover(care: Careops):
    text = dispatch(care, "U02BBB", "oncall").text
    assert text.startswith("*On call now*: <@U01AAA>\n*Next*: <@U02BBB> from Sun 16:00 CEST")
    assert text.count("\n• ") == 22  # 10:00 to 10:00: two part shifts, 20 whole
    assert dispatch(care, "U02BBB", "cover <@U03CCC> 90m").text == (
        "<@U03CCC> is on call until Sun 11:30 CEST."
    )
    assert care.notifier.sent == [("dm:U03CCC", "<@U02BBB> put you on call until Sun 11:30 CEST.")]
    assert dispatch(care, "U02BBB", "oncall").text.startswith("*On call now*: <@U03CCC>")
    assert "usage" in dispatch(care, "U02BBB", "cover tomorrow").text
    [stored] = care.store.ops.overrides()
    assert (stored.created_by, stored.reason) == ("U02BBB", "<@U03CCC> 90m")


def test_care_stats_reports_figures_without_a_slack_client(care: Careops):
    case = add_case(care.store, make_mention("1", minutes_ago=50, now=NOW), NOW)
    care.store.save_case(
        case.evolve(
            state=CaseState.PUBLISHED, published_at=NOW - timedelta(minutes=30), approved_by="UBOSS"
        ),
        None,
    )
    text = dispatch(care, "UBOSS", "stats 7d").text
    assert "1 mentions, 1 answered; median first reply 20m" in text
    assert "• *x*: 1/1 answered, median 20 min, 100% within 2 h" in text
    assert "• <@UBOSS>: 1/1 answered" in text and "Chart posted" not in text
    customers = "*Customers*: 0 wow moments, 0 with a gesture; 0 repeat complaints; 0 customers"
    assert customers in text
    assert care.services.actions.act(Action.GIFT, case.id, "UBOSS").changed  # a 🎁: spotted
    care.clock.advance(seconds=1)  # type: ignore[attr-defined]
    assert (
        "*Customers*: 1 wow moment, 1 with a gesture ($3);" in dispatch(care, "UBOSS", "stats").text
    )
    assert "not a period" in dispatch(care, "UBOSS", "stats forever").text
    assert today_text(care.services.ops).startswith("1 mentions, 1 answered")


def test_scheduler_registers_every_job_and_they_run(care: Careops):
    scheduler = BackgroundScheduler(timezone="UTC")
    names = register_jobs(scheduler, care.jobs)
    assert names == ["tick", "watch_inbox", "check_targets", "handoff", "spike_check",
                     "daily_digest", "retention"]  # fmt: skip
    add_case(care.store, make_mention("1", minutes_ago=40, now=NOW), NOW)
    for job in scheduler.get_jobs():
        job.func()  # guarded: a failure would only be logged, so check the effects below
    assert care.notifier.sent[0] == (
        "thread:x:1",
        "<@U01AAA> half of the target is gone: already past due.",
    )
    kinds = [to for to, _ in care.notifier.sent]
    # target ping and breach DM, then the daily digest (the last handoff was two hours ago)
    assert kinds == ["thread:x:1", "dm:U01AAA", "channel"]
    assert care.notifier.sent[2][1].startswith("Daily care digest (Sun 29 Mar)")
    assert "breached" in care.store.get_case("x:1").flags
    assert scheduler.get_job("retention").trigger.interval == timedelta(hours=6)


def test_app_home_shows_todays_figures_and_who_is_on_call(care: Careops):
    from bot.adapters.slack._home import home_view

    add_case(care.store, make_mention("1", minutes_ago=10, now=NOW), NOW)
    care.store.ops.set_crisis(True, "lockers <!channel>", "UBOSS", NOW)
    blocks = home_view(care.services)["blocks"]
    assert blocks[-2]["text"]["text"] == "Today"
    text = blocks[-1]["text"]["text"]
    assert text.startswith("1 mentions, 0 answered;")
    assert "*On call now*: <@U01AAA>" in text and "<!channel>" not in text


def test_the_user_group_follows_the_rotation_on_the_slack_web_api(care: Careops):
    from slack_sdk import WebClient

    from bot.adapters.slack._ops_commands import usergroup_setter
    from tests.fakes.fake_slack import FakeSlackApi

    handoff = inspect.unwrap(care.jobs["handoff"].run)  # run on the leader only
    assert handoff.keywords["set_usergroup"] is None  # type: ignore[attr-defined]  # no Slack
    with FakeSlackApi() as api:
        usergroup_setter(WebClient(token="xoxb-test", base_url=api.url))("S0ONCALL", "U02BBB")
        [call] = api.calls_to("usergroups.users.update")
    assert call.params["usergroup"] == "S0ONCALL" and call.params["users"] == "U02BBB"


def _app_with(tmp_path: Path, extra_toml: str) -> Careops:
    (tmp_path / "careops.toml").write_text(TOML + extra_toml)
    config = load_settings(data_dir=tmp_path, config_path=tmp_path / "careops.toml")
    return file_app(
        config,
        tmp_path / "in.jsonl",
        tmp_path / "out.jsonl",
        clock=FakeClock(NOW),
        notifier=Notes(),
    )


@pytest.mark.parametrize(("hour", "posted"), [(10, True), (11, False)])
def test_the_digest_waits_for_the_configured_hour(tmp_path: Path, hour: int, posted: bool):
    app = _app_with(tmp_path, f"[digest]\nhour = {hour}\n")  # it is 10:00 in Berlin
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, app.jobs)
    scheduler.get_job("daily_digest").func()
    digests = [text for to, text in app.notifier.sent if text.startswith("Daily care digest")]
    assert len(digests) == int(posted)
    app.store.close()


def test_a_disabled_digest_is_not_scheduled(tmp_path: Path):
    app = _app_with(tmp_path, "[digest]\nenabled = false\n")
    scheduler = BackgroundScheduler(timezone="UTC")
    assert "daily_digest" not in register_jobs(scheduler, app.jobs)
    assert scheduler.get_job("retention") is not None
    app.store.close()


def test_care_stats_shows_x_spend_per_day_per_reply_and_against_the_budget(
    care: Careops, tmp_path: Path
):
    (tmp_path / "careops.toml").write_text(TOML + "[x]\nmonthly_budget = 300\n")
    care.store.record_usage("x", "post_url", 280, 56.0, "2026-03-28")
    care.store.record_usage("x", "post", 20, 0.3, "2026-03-28")
    care.store.record_usage("x", "post_read", 900, 4.5, "2026-03-28")
    care.store.record_usage("x", "post", 2, 0.03, "2026-03-29")
    care.store.record_usage("x", "post_url", 100, 20.0, "2026-02-27")  # last month, too old
    care.store.record_usage("mastodon", "requests", 40, 0.0, "2026-03-29")
    text = dispatch(care, "UBOSS", "stats 7d").text
    assert "*X spend*: $60.83, 302 replies, $0.20 a reply" in text
    assert "• 2026-03-28: $60.80, 300 replies, 280 with link, $0.20 a reply" in text
    assert "• 2026-03-29: $0.03, 2 replies, 0 with link, $0.015 a reply" in text
    assert "2026-03 to date: $60.83 of $300.00 budget (20%)" in text
    assert "2026-02-27" not in text


def test_care_stats_leaves_x_out_for_a_team_without_it(care: Careops):
    assert "X spend" not in dispatch(care, "UBOSS", "stats 7d").text


def test_operations_jobs_run_on_the_leader_only(care: Careops):
    from bot.app import _leader_only
    from bot.core.jobs import Job
    from tests.test_app import FakeLease

    guarded = [name for name, job in care.jobs.items() if inspect.unwrap(job.run) is not job.run]
    assert sorted(guarded) == sorted(set(care.jobs) - {"tick"}), "the tick checks for itself"
    ran: list[int] = []
    job = _leader_only(care, Job(lambda: ran.append(1), 60.0))
    job.run()  # alone on its database (SQLite): it leads
    care.lease = FakeLease(None)
    job.run()  # another instance leads
    care.lease = FakeLease(4)
    job.run()
    assert ran == [1, 1]


def test_care_status_says_which_instance_leads_when_there_are_several(care: Careops):
    from dataclasses import replace

    from bot.adapters.slack._commands import CommandContext

    assert "Instances" not in dispatch(care, "UBOSS", "status").text  # alone: nothing to say
    line = "leader: care-1 since 2026-03-29 07:55:00 UTC (epoch 3, renewed 1 s ago)"
    several = replace(care.services, leader=lambda: line)
    text = slack_dispatch(CommandContext(several), "UBOSS", "status").text
    assert text.splitlines()[-1] == f"*Instances*: {line}"


def test_a_job_asked_to_run_at_a_time_runs_then_not_an_interval_later():
    import threading
    from datetime import UTC, datetime

    from bot.adapters.scheduler import Scheduler
    from bot.core.jobs import Job

    ran = threading.Event()
    scheduler = Scheduler({"tick": Job(ran.set, 3600.0)})
    try:
        assert not ran.wait(0.3)  # the interval is an hour: nothing yet
        scheduler.run_at("tick", datetime.now(UTC) + timedelta(seconds=0.2))
        assert ran.wait(5)
    finally:
        scheduler.stop()
