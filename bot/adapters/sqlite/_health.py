"""Is the database usable, and a copy or a check of it while careops runs.

`startup_problem` is asked before `careops run` opens the store: a file careops cannot
open or that is damaged stops it with one line naming the file and what to do; a
database on a read-only or full disk is a condition careops waits out (the line says
so), because the person fixing it expects careops to carry on by itself.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PRIVATE_FILE = 0o600  # the database holds network session tokens and people's posts
PRIVATE_DIR = 0o700
MIN_FREE_BYTES = 1 << 20  # below this a commit may fail with "database or disk is full"


@dataclass(frozen=True)
class StorageProblem:
    line: str  # one line for a person: the file, what is wrong, what to do
    transient: bool  # True: careops waits for it to clear; False: it refuses to start


def create_private(path: Path) -> None:
    """Create the data directory (0700) and an empty database file (0600) if missing;
    SQLite gives its -wal and -shm files the database file's mode."""
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def startup_problem(path: Path) -> StorageProblem | None:
    """What stops careops from using the database at `path` now, or None."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return StorageProblem(f"{folder} is not a directory: set CAREOPS_DATA_DIR to one", False)
    if path.exists() and not path.is_file():
        return StorageProblem(f"{path} is not a database file: move it aside", False)
    if _read_only(path):
        return StorageProblem(
            f"{path} is on a read-only file system or not writable by this user: nothing can"
            " be saved; careops starts by itself once it is writable (remount read-write or"
            " fix its permissions)",
            True,
        )
    if _free_bytes(folder) < MIN_FREE_BYTES:
        return StorageProblem(
            f"the disk holding {path} is full: careops starts by itself once there is room"
            " (free some space)",
            True,
        )
    if path.exists() and path.stat().st_size > 0:
        return _damage(path)
    try:
        create_private(path)
    except OSError as exc:
        return StorageProblem(
            f"cannot create {path} ({exc.strerror}): set CAREOPS_DATA_DIR to a directory"
            " this user may write",
            False,
        )
    return None


def _read_only(path: Path) -> bool:
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return True
    if path.exists():
        return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    return False


def _free_bytes(folder: Path) -> int:
    while not folder.exists():
        folder = folder.parent
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _damage(path: Path) -> StorageProblem | None:
    """Read the schema: a file that is not a database, or whose header or schema is
    damaged, fails here (`careops db check` reads every page)."""
    try:
        with _read_only_connection(path) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_CANTOPEN"):
            return StorageProblem(
                f"cannot open {path} ({exc}): check that this user may read and write it", False
            )
        return StorageProblem(
            f"{path} is damaged ({exc}): move it aside and put back the last copy made"
            " with `careops db backup`, or start afresh without it",
            False,
        )
    return None


@contextlib.contextmanager
def _read_only_connection(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        yield conn
    finally:
        conn.close()


def integrity_problems(path: Path, limit: int = 20) -> list[str]:
    """`PRAGMA integrity_check` (every page, every index); [] when the file is sound."""
    try:
        with _read_only_connection(path) as conn:
            rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


@dataclass(frozen=True)
class BackupResult:
    target: Path
    bytes: int
    seconds: float


def backup(source: Path, target: Path) -> BackupResult:
    """A consistent copy of a database in use (SQLite's online backup API), written to a
    temporary file beside `target` and renamed into place, mode 0600."""
    started = time.monotonic()
    if target.is_dir():
        target = target / f"{source.stem}-{time.strftime('%Y%m%dT%H%M%S')}{source.suffix}"
    if target.exists():
        raise FileExistsError(f"{target} exists: choose another name")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        with (
            _read_only_connection(source) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)  # one step: one read transaction, so one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, time.monotonic() - started)


def open_side_file(path: str, timeout: float, schema: str) -> sqlite3.Connection:
    """A small private SQLite file written before careops answers a request (the Slack
    action journal, the Meta webhook inbox): WAL with synchronous=NORMAL, so a committed
    row survives kill -9; autocommit; shared by threads under the caller's lock."""
    if path != ":memory:":
        create_private(Path(path))
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(schema)
    return conn
