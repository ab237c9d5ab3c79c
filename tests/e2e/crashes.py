"""Crashes for the exactly-once tests: a publisher that dies right after the network took
the reply, and a worker process killed with SIGKILL at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from bot.core.models import OutboxItem, PublishResult
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
