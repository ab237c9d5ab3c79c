"""Crashes for the exactly-once tests: a publisher that dies right after the network took
the reply, and a worker process killed with SIGKILL at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.core.models import CaseState, OutboxItem, OutboxState, PublishResult
from bot.core.ports import Publisher, PublishLater

ROOT = Path(__file__).resolve().parents[2]


class KilledMidCall(BaseException):
    """Stands in for kill -9: the network took the reply, careops never heard back."""


class DiesAfterSending:
    """Sends through the real publisher, then dies before it can record the answer."""

    def __init__(self, real: Publisher) -> None:
        self.real = real

    def publish(self, item: OutboxItem) -> PublishResult | PublishLater:
        result = self.real.publish(item)
        if isinstance(result, PublishLater):
            return result  # a Threads container: nothing is out yet
        raise KilledMidCall

    def find_existing(self, item: OutboxItem) -> PublishResult | None:
        return self.real.find_existing(item)


def kill_at_random(command: list[str], cwd: Path, rounds: int, longest: float) -> int:
    """Start `command` `rounds` times, each killed with SIGKILL 0.8 to `longest` seconds
    in (seeded, so a run is repeatable), then run it to the end; returns the kills."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(7)
    kills = 0
    for _ in range(rounds):
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.8, longest))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()[-2000:]
    return kills


def publish_everything(settings: Settings, expected: int, pause: float = 0.0) -> None:
    """The worker process a crash test kills: start careops (which reconciles what a kill
    left in `publishing`), approve every case, publish, until `expected` replies are out."""
    app = build_app(settings)
    app.startup()
    while len(app.store.outbox([OutboxState.PUBLISHED])) < expected:
        app.tick()
        for case in app.store.cases([CaseState.IN_REVIEW]):
            app.review.approve(case.id, "U1")
        app.publishing.publish_pending()
        time.sleep(pause)
    print("all published", flush=True)
