"""Two (or more) `careops run --http` processes on one PostgreSQL, publishing to the
local fake Mastodon, with a local fake Slack: what the failover test and `make bench`
drive. Replies are approved in the database before the instances start (as a team
would have approved them in Slack), so every figure is about publishing and failover.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.postgres import PostgresStore, leader_info
from bot.core.cases import transition
from bot.core.models import Case, CaseState, Draft, Mention, Network, OutboxItem, OutboxState
from tests.e2e.processes import clean_env
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_slack import FakeSlackApi
from tests.pg_server import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def wait_for(found: Callable[[], Any], timeout: float, what: str, step: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def seed_approved(url: str, mastodon: FakeMastodon, count: int) -> list[str]:
    """`count` customer posts on the fake Mastodon, each an approved case with its reply
    queued in the outbox; returns the posts' ids."""
    store = PostgresStore(url)
    parents = []
    try:
        with store.transaction():
            for n in range(count):
                status = mastodon.state.status(f"@parcelly parcel {n} is late", acct=f"cust{n}")
                parents.append(str(status["id"]))
                _approve(store, str(status["id"]), n)
    finally:
        store.close()
    return parents


def _approve(store: PostgresStore, parent: str, n: int) -> None:
    mention = Mention(Network.MASTODON, parent, f"cust{n}", f"parcel {n} is late", NOW)
    case = Case(mention.case_id, mention, CaseState.NEW, NOW, NOW)
    draft = Draft(f"d{n}", case.id, f"Thanks for telling us about parcel {n}!", "offline", NOW)
    store.add_draft(draft)
    for state in (CaseState.TRIAGED, CaseState.DRAFTED, CaseState.IN_REVIEW, CaseState.APPROVED):
        case = transition(case, state, at=NOW, draft_id=draft.id).case
    store.save_case(case, None)
    store.enqueue(
        OutboxItem(
            draft.id, case.id, Network.MASTODON, parent, draft.text, OutboxState.PENDING, NOW
        )
    )


@dataclass
class Cluster:
    url: str
    workdir: Path
    mastodon: FakeMastodon
    slack: FakeSlackApi
    lease_seconds: float
    procs: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        data = self.workdir / name
        data.mkdir(parents=True, exist_ok=True)
        return {
            **clean_env(),
            "CAREOPS_DATABASE_URL": self.url,
            "CAREOPS_INSTANCE": name,
            "CAREOPS_LEASE_SECONDS": str(self.lease_seconds),
            "CAREOPS_POLL_SECONDS": "2",
            "CAREOPS_DATA_DIR": str(data),
            "CAREOPS_BRAND_HANDLES": "parcelly",
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": "C0CARE",
            "SLACK_API_URL": self.slack.url,
            "SLACK_PACE_SECONDS": "0",
            "MASTODON_BASE_URL": self.mastodon.url,
            "MASTODON_ACCESS_TOKEN": "token",
        }

    def start(self, *names: str) -> None:
        """`careops run --http` as each instance named, started together; returns once
        all of them listen."""
        launched = [(name, self._launch(name)) for name in names]
        for name, proc in launched:
            self._wait_listening(name, proc)

    def _launch(self, name: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-c", "from bot.cli import main; main()", "run", "--http"]
        with (self.workdir / f"{name}.log").open("a") as log:
            proc = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(free_port())],
                cwd=self.workdir,
                env=self.env(name),
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        return proc

    def _wait_listening(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" not in line:
            _end(proc, kill=True)
            log = (self.workdir / f"{name}.log").read_text()[-2000:]
            raise AssertionError(f"careops run ({name}) did not start: {line!r}\n{log}")
        self.procs[name] = proc

    def kill(self, name: str) -> None:
        _end(self.procs.pop(name), kill=True)

    def leader(self) -> str | None:
        """The instance that leads now (its lease renewed within the lease), if any."""
        with contextlib.closing(PostgresStore(self.url, auto_migrate=False)) as store:
            info = leader_info(store)
        fresh = info.renewed_ago is not None and info.renewed_ago < self.lease_seconds
        return info.holder if fresh and info.holder in self.procs else None

    def posts(self) -> int:
        """Reply requests the fake Mastodon has received so far (repeats included)."""
        with self.mastodon.state.lock:
            requests = list(self.mastodon.state.requests)
        return sum(
            1 for method, path, _ in requests if (method, path) == ("POST", "/api/v1/statuses")
        )

    def replies_per_parent(self) -> Counter[str]:
        with self.mastodon.state.lock:
            return Counter(str(s["in_reply_to_id"]) for s in self.mastodon.state.replies())

    def stop(self) -> list[int]:
        """SIGTERM every instance; their exit codes."""
        return [_end(self.procs.pop(name), kill=False) for name in list(self.procs)]


def _end(proc: subprocess.Popen[str], *, kill: bool) -> int:
    proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        code = proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()
    return code


@contextlib.contextmanager
def cluster(
    url: str, workdir: Path, *, lease_seconds: float, post_seconds: float
) -> Iterator[Cluster]:
    with FakeSlackApi() as slack, FakeMastodon() as mastodon:
        mastodon.state.post_seconds = post_seconds
        running = Cluster(url, workdir, mastodon, slack, lease_seconds)
        try:
            yield running
        finally:
            running.stop()


def kill_leader_while_publishing(running: Cluster, after_posts: int) -> tuple[str, float]:
    """Once the leader has sent `after_posts` more replies, SIGKILL it, start it again,
    and wait for the next reply request, which only the new leader can send. Returns the
    killed instance and the seconds from the kill to that request."""
    leader = wait_for(running.leader, 30, "a leader")
    start = running.posts()
    wait_for(lambda: running.posts() >= start + after_posts, 60, f"{leader} publishing")
    running.kill(leader)
    killed_at, at_kill = time.monotonic(), running.posts()  # the dead one sends no more
    wait_for(lambda: running.posts() > at_kill, 60, "the new leader's first reply", step=0.005)
    seconds = time.monotonic() - killed_at
    running.start(leader)  # back, as a follower
    return leader, seconds
