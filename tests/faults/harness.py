"""Helpers for the fault tests: the real `careops run --http` process (tests/e2e/processes.py)
against the fake Slack Web API, with its database broken in the ways a disk breaks."""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.processes import start_run, write_dotenv
from tests.fakes.fake_slack import FakeSlackApi

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "xoxb-faults-token-42"
APPROVER, CHANNEL = "UAPPROVER", "C0CARE"


def dotenv(tmp_path: Path, api_url: str, **extra: str) -> None:
    write_dotenv(
        tmp_path,
        {
            "CAREOPS_DATA_DIR": str(tmp_path / "data"),
            "CAREOPS_POLL_SECONDS": "0.2",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_APPROVERS": APPROVER,
            "SLACK_API_URL": api_url,
            "SLACK_PACE_SECONDS": "0",
            **extra,
        },
    )


@dataclass
class Running:
    proc: subprocess.Popen[str]
    base: str  # http://127.0.0.1:PORT
    api: FakeSlackApi

    def lines_until(self, text: str) -> list[str]:
        """Output lines up to and including the first that contains `text`."""
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            if text in line:
                return seen
        raise AssertionError(f"careops ended without saying {text!r}: {''.join(seen)}")

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        out, _ = self.proc.communicate(timeout=10)
        return out or ""


def base_url(line: str) -> str:
    match = re.search(r"http://[\d.]+:\d+", line)
    assert match, f"careops run did not say where it listens: {line!r}"
    return match.group(0)


@contextlib.contextmanager
def careops_http(
    tmp_path: Path, api: FakeSlackApi, ready: str = "listening on"
) -> Iterator[Running]:
    proc, first = start_run(tmp_path, "--http", "--host", "127.0.0.1", "--port", "0", ready=ready)
    running = Running(proc, base_url(first) if "listening on" in first else "", api)
    try:
        yield running
    finally:
        running.stop()


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)
