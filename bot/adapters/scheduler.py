"""APScheduler wiring: the scheduler only calls plain job functions on a timer.

The jobs themselves (which functions, bound to which store, clock and notifier, how
often) are chosen in `build_app` (bot/app.py); this module decides only *when* they run.
Each job runs at most once at a time (`max_instances=1`) and a missed run is coalesced
into one, so a slow network never piles up work. A failing job logs and waits for its
next turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    JobEvent,
)
from apscheduler.schedulers.background import BackgroundScheduler

from bot.core.jobs import Job
from bot.logging_setup import Conditions

log = logging.getLogger(__name__)

_jobs = Conditions(log)


def guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
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


def register_jobs(scheduler: BackgroundScheduler, jobs: Mapping[str, Job]) -> list[str]:
    """Add every job to `scheduler`; returns their ids."""
    for name, job in jobs.items():
        scheduler.add_job(
            guarded(name, job.run),
            "interval",
            seconds=job.seconds,
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            **({"next_run_time": datetime.now(UTC)} if job.at_start else {}),
        )
    return list(jobs)


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

    def on_event(self, event: JobEvent) -> None:
        job = str(event.job_id)
        if event.code == EVENT_JOB_MAX_INSTANCES:
            self.skipped[job] = self.skipped.get(job, 0) + 1
            if self.skipped[job] == 1:
                log.warning("job %s is still running; runs are skipped until it finishes", job)
        elif job in self.skipped:
            log.warning("job %s finished; %d run(s) were skipped", job, self.skipped.pop(job))


class Scheduler:
    """The running jobs: start, run one now (an approval wakes the publisher), stop."""

    def __init__(self, jobs: Mapping[str, Job]) -> None:
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_listener(
            _Overruns().on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
        )
        names = register_jobs(self._scheduler, jobs)
        self._scheduler.start()
        log.info("scheduler started: %s", ", ".join(names))

    def run_soon(self, name: str) -> None:
        """Run the job now rather than at its next interval."""
        job = self._scheduler.get_job(name)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def run_at(self, name: str, when: datetime) -> None:
        """Run the job at `when` when that comes before its next run (a reply due then)."""
        job = self._scheduler.get_job(name)
        if job is not None and (job.next_run_time is None or when < job.next_run_time):
            job.modify(next_run_time=when)

    def stop(self) -> None:
        """Stop starting jobs and let a running one finish: the store closes next, and a
        tick cut off mid-publish would meet a closed database."""
        self._scheduler.shutdown(wait=True)
