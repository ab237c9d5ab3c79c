"""APScheduler wiring: the scheduler only calls plain job functions on a timer.

Every job is a small function with explicit inputs (a clock, the store, a notifier), so
tests call them directly; this module decides only *when* they run. Each job runs at
most once at a time (`max_instances=1`) and a missed run is coalesced into one, so a
slow network never piles up work. A failing job logs and waits for its next turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler

from bot.logging_setup import Conditions

if TYPE_CHECKING:
    from bot.app import Careops

log = logging.getLogger(__name__)

TARGETS_SECONDS = 60.0
HANDOFF_SECONDS = 60.0
SPIKE_SECONDS = 60.0
DIGEST_SECONDS = 15 * 60.0  # the digest job is idempotent per day; it checks often
RETENTION_SECONDS = 6 * 3600.0
# How often a file inbox is looked at (one stat): an appended line is taken within this
# (plus the tick's own time), whatever CAREOPS_POLL_SECONDS says.
WATCH_SECONDS = 0.5


_jobs = Conditions(log)


def guarded(name: str, job: Callable[[], Any]) -> Callable[[], None]:
    """Run `job`, logging instead of raising: one failure must not stop the scheduler.
    A job failing the same way every run is logged once, and once when it recovers."""

    def run() -> None:
        try:
            job()
        except Exception as exc:
            _jobs.failed(name, f"job {name}", exc)
        else:
            _jobs.ok(name, f"job {name}")

    run.__name__ = f"careops_{name}"
    return run


def add_interval(
    scheduler: BackgroundScheduler,
    name: str,
    job: Callable[[], Any],
    seconds: float,
    *,
    now: bool = False,
) -> None:
    """Run `job` every `seconds`; from start-up on when `now`, else one interval later."""
    scheduler.add_job(
        guarded(name, job),
        "interval",
        seconds=seconds,
        id=name,
        name=name,
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        **({"next_run_time": datetime.now(UTC)} if now else {}),
    )


@runtime_checkable
class WatchedSource(Protocol):
    """A source that can tell cheaply that it has something new (a file inbox: a stat)."""

    def has_news(self) -> bool: ...


class Tick:
    """The tick job, knowing whether it is running, so the inbox watch never asks for a
    run while one is under way (the run after it would be skipped, and logged)."""

    def __init__(self, tick: Callable[[], Any]) -> None:
        self._tick = tick
        self.running = False

    def __call__(self) -> None:
        self.running = True
        try:
            self._tick()
        finally:
            self.running = False


def watch_inbox(scheduler: BackgroundScheduler, tick: Tick, sources: list[WatchedSource]) -> None:
    """Run the tick now when a watched source has news, rather than at its next interval.

    Asked every `WATCH_SECONDS`: while a tick is running it waits, and the next look after
    it still sees the news if that tick read the file before the line arrived."""
    if not tick.running and any(source.has_news() for source in sources):
        scheduler.modify_job("tick", next_run_time=datetime.now(UTC))


def register_jobs(scheduler: BackgroundScheduler, app: Careops) -> list[str]:
    """Add every careops job to `scheduler`; returns their ids. The tick polls at start-up,
    then every CAREOPS_POLL_SECONDS, and at once when a watched inbox grows."""
    tick = Tick(app.tick)
    add_interval(scheduler, "tick", tick, app.settings.poll_seconds, now=True)
    names = ["tick"]
    watched = [source for source in app.sources if isinstance(source, WatchedSource)]
    if watched:
        add_interval(
            scheduler, "watch_inbox", partial(watch_inbox, scheduler, tick, watched), WATCH_SECONDS
        )
        names.append("watch_inbox")
    for name, (job, seconds) in ops_jobs(app).items():
        add_interval(scheduler, name, job, seconds)
        names.append(name)
    return names


class LogNotifier:
    """Where messages go when no Slack is connected: the log, so nothing is silently lost."""

    def thread(self, case: Any, text: str) -> None:
        log.warning("case %s: %s", getattr(case, "id", case), text)

    def direct(self, user: str, text: str) -> None:
        log.warning("to %s: %s", user, text)

    def channel(self, text: str) -> None:
        log.warning("channel: %s", text)


def ops_jobs(app: Careops) -> dict[str, tuple[Callable[[], Any], float]]:
    """The operations jobs bound to this app: name -> (job, period in seconds)."""
    from bot.adapters.slack import usergroup_setter
    from bot.adapters.sqlite import _ops as ops_store
    from bot.core import jobs

    ops = app.settings.ops()
    store, clock, sla = app.store, app.clock, app.sla
    notifier = app.notifier or LogNotifier()
    roster = ops_store.roster_for(store, ops)
    ledger = ops_store.SqliteLedger(store)
    days = int(ops.get("retention", {}).get("days", 90))
    digest = ops.get("digest", {})
    digest_hour = int(digest.get("hour", 9))
    chosen = {
        "check_targets": (
            partial(jobs.check_targets, store, notifier, clock, sla, roster),
            TARGETS_SECONDS,
        ),
        "handoff": (
            partial(
                jobs.handoff,
                store,
                notifier,
                clock,
                sla,
                roster,
                ledger,
                crisis=lambda: ops_store.crisis_state(store),
                set_usergroup=usergroup_setter(app),
            ),
            HANDOFF_SECONDS,
        ),
        "spike_check": (
            partial(jobs.spike_check, store, notifier, clock, roster, ledger),
            SPIKE_SECONDS,
        ),
        "daily_digest": (
            partial(
                jobs.daily_digest, store, notifier, clock, sla, roster, ledger, hour=digest_hour
            ),
            DIGEST_SECONDS,
        ),
        "retention": (
            partial(jobs.retention, partial(ops_store.purge_before, store), clock, days),
            RETENTION_SECONDS,
        ),
    }
    if not digest.get("enabled", True):
        del chosen["daily_digest"]
    return chosen


class _SkippedRunNotice(logging.Filter):
    """APScheduler warns on every skipped run of a job still running (147 lines in two
    minutes under load); `_Overruns` says it once instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedRunNotice())


class _Overruns:
    """One line when a job first overruns its interval, one when it finishes."""

    def __init__(self) -> None:
        self.skipped: dict[str, int] = {}

    def on_event(self, event: Any) -> None:
        job = str(event.job_id)
        if event.code == EVENT_JOB_MAX_INSTANCES:
            self.skipped[job] = self.skipped.get(job, 0) + 1
            if self.skipped[job] == 1:
                log.warning("job %s is still running; runs are skipped until it finishes", job)
        elif job in self.skipped:
            log.warning("job %s finished; %d run(s) were skipped", job, self.skipped.pop(job))


def start_jobs(app: Careops) -> BackgroundScheduler:
    """Start a background scheduler running polling, publishing and the operations jobs."""
    scheduler = BackgroundScheduler(timezone="UTC")
    overruns = _Overruns()
    scheduler.add_listener(
        overruns.on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
    )
    names = register_jobs(scheduler, app)
    scheduler.start()
    log.info("scheduler started: %s", ", ".join(names))
    return scheduler
