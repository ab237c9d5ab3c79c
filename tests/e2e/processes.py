"""Helpers for tests that run `careops` as a process, configured the way a team does it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def wait_until(found: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def write_dotenv(tmp_path: Path, filled: dict[str, str]) -> None:
    """The shipped .env.example with this team's values filled in, as a person would."""
    lines = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={filled[name]}" if name in filled and "=" in line else line)
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")


def card_ref(tmp_path: Path, case_id: str) -> str | None:
    """Where the running careops says the case's card is, read from its database."""
    db = tmp_path / "data" / "careops.db"
    if not db.exists():
        return None
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT review_ref FROM cases WHERE id = ?", (case_id,)).fetchone()
    return str(row[0]) if row and row[0] else None


def clean_env() -> dict[str, str]:
    """This machine's environment without careops settings: the .env file decides."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAREOPS_"))}


def start_run(
    tmp_path: Path,
    *args: str,
    ready: str,
    before: list[str] | None = None,
    files: bool = True,
) -> tuple[subprocess.Popen[str], str]:
    """`careops run ARGS --source/--publisher file:...` in `tmp_path` (its .env decides
    the rest; with `files=False` the networks it configures); returns the process and its
    first output line containing `ready` (the lines before it go to `before` when given)."""
    files_args = ["--source", "file:inbox.jsonl", "--publisher", "file:outbox.jsonl"]
    files_args = files_args if files else []
    proc = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "run", *args, *files_args],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while line and ready not in line:
        if before is not None:
            before.append(line)
        line = proc.stdout.readline()
    if ready not in line:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"careops run {' '.join(args)} did not start")
    return proc, line
