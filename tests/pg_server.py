"""A real PostgreSQL server for the tests: one per test session, a fresh database per test.

The server runs from the machine's PostgreSQL binaries (`initdb`, `pg_ctl`) in a temp
dir, on a free loopback port, with trust authentication for the `careops` role. The
binaries refuse to run as root, so as root they run as the `postgres` user. Every test
database is a copy of a migrated template (`CREATE DATABASE … TEMPLATE`), which takes
a few milliseconds. Where there is no PostgreSQL, `PostgresServer.start` raises
`Unavailable` with the reason, and the tests that need it skip with that reason.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

ROLE = "careops"
TEMPLATE = "careops_template"


class Unavailable(RuntimeError):
    """PostgreSQL cannot be started here; the message says why."""


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """`initdb` + `pg_ctl start` in a temp dir; `stop()` removes everything."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable  # fsync on (benchmarks); tests run without it
        self.dir = Path(tempfile.mkdtemp(prefix="careops-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0

    # --- lifecycle
    def start(self) -> PostgresServer:
        initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
        if not (initdb and pg_ctl):
            raise Unavailable("PostgreSQL binaries (initdb, pg_ctl) are not installed")
        self._pg_ctl = pg_ctl
        self._sweep()
        (self.dir / "owner").write_text(str(os.getpid()))
        if self._as_postgres:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no postgres user") from None
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self._run(
            initdb, "-D", str(self.data), "-A", "trust", "-U", ROLE, "--no-sync", "-E", "UTF8"
        )
        self.ctl("start")
        return self

    def ctl(self, action: str, *extra: str) -> None:
        """`pg_ctl start|stop|restart`, waiting until it is done."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        options += "" if self.durable else " -c fsync=off"
        args = [self._pg_ctl, "-D", str(self.data), "-w", "-l", str(self.dir / "log")]
        if action in ("start", "restart"):
            args += ["-o", options]
        self._run(*args, *extra, action)

    def _sweep(self) -> None:
        """Stop and remove servers whose test session was killed before it could."""
        for stale in Path(tempfile.gettempdir()).glob("careops-pg-*"):
            owner = stale / "owner"
            if stale == self.dir or not owner.is_file() or _alive(owner.read_text()):
                continue
            with contextlib.suppress(Exception):
                self._run(self._pg_ctl, "-D", str(stale / "data"), "-w", "stop", "-m", "immediate")
            shutil.rmtree(stale, ignore_errors=True)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        except OSError as exc:  # no runuser, a binary that cannot run here
            raise Unavailable(f"cannot run {command[0]}: {exc}") from None
        if done.returncode != 0:
            raise Unavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout)[-400:]}")

    # --- databases
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def make_template(self, migrate: Callable[[str], None]) -> None:
        """A database migrated once, which every test database copies."""
        self._admin(f"CREATE DATABASE {TEMPLATE}")
        migrate(self.url(TEMPLATE))

    def fresh_database(self, template: str = TEMPLATE) -> str:
        name = f"t{next(self._names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def empty_database(self) -> str:
        return self.fresh_database(template="template0")

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.encode())
