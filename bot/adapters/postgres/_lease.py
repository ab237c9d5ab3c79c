"""Leadership among instances on one PostgreSQL: an advisory lock plus a lease row.

Every instance serves Slack; exactly one leads (polls, publishes, runs the jobs). To
lead, an instance takes `pg_try_advisory_lock` on a connection of its own and keeps
that connection for as long as it leads, then bumps the lease row's epoch. The lock is
PostgreSQL's: when the leader dies (kill -9 included) its session ends and the lock is
free at once; a follower, trying every `lease/5` seconds, takes over and bumps the
epoch. The leader renews the row every `lease/5` seconds; a leader that stopped
renewing for `lease` seconds (paused, cut off) has its session ended by the next
follower. The epoch fences publishing: the store checks it in the same transaction
that moves an outbox row (bot/adapters/postgres/_store.py), so an old leader that wakes
up cannot publish.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from bot.adapters.postgres._connect import connect

log = logging.getLogger(__name__)

LEADER_LOCK = 0x6361_7265  # "care": below 2**31, so pg_locks shows it as objid, classid 0
_HOLDER_OF_LOCK = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
    " AND objid = %s AND objsubid = 1 AND granted"
)


class Leadership:
    """This instance's bid to lead; `epoch()` is its epoch while it leads, else None."""

    def __init__(
        self,
        url: str,
        name: str,
        lease_seconds: float = 15.0,
    ) -> None:
        self.url, self.name, self.lease = url, name, lease_seconds
        self.interval = max(0.1, lease_seconds / 5)
        self.on_lead: Callable[[], None] = lambda: None
        self._conn: psycopg.Connection[Any] | None = None
        self._epoch: int | None = None
        self._renewed = 0.0
        self._down = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def epoch(self) -> int | None:
        with self._lock:
            if self._epoch is None or time.monotonic() - self._renewed > self.lease:
                return None  # not renewed for a whole lease: another may lead by now
            return self._epoch

    def start(self, on_lead: Callable[[], None] = lambda: None) -> None:
        self.on_lead = on_lead
        self._thread = threading.Thread(target=self._run, name="careops-lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Step down (the lock is released with the connection) and stop bidding."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._lost("stopping")

    def status_line(self) -> str:
        """Which instance leads and since when, for people (`/care status`)."""
        with connect(self.url, autocommit=True) as conn:
            row = conn.execute(_LEASE_ROW).fetchone()
        info = _info(row)
        mine = " (this instance)" if info.holder == self.name and self.epoch() else ""
        return info.line(self.lease) + mine

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.interval)

    def step(self) -> None:
        """One round: bid (or end a stale leader's session), or renew."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = connect(self.url, autocommit=True)
                if self._down:
                    log.info("lease: PostgreSQL is back")
                self._down = False
            if self._epoch is None:
                self._bid(self._conn)
            else:
                self._renew(self._conn)
        except (psycopg.Error, ConnectionError, OSError) as exc:
            if not self._down:
                log.warning("lease: %s; trying again every %.1f s", _first_line(exc), self.interval)
            self._down = True
            self._lost("the database connection was lost")

    def _bid(self, conn: psycopg.Connection[Any]) -> None:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
        if not row or not row[0]:
            self._end_stale_leader(conn)
            return
        with conn.transaction():
            lease = conn.execute(
                "UPDATE leader_lease SET epoch = epoch + 1, holder = %s,"
                " holder_pid = pg_backend_pid(), since = now(), renewed_at = now()"
                " WHERE name = 'leader' RETURNING epoch",
                (self.name,),
            ).fetchone()
        assert lease is not None, "the leader_lease row is made by migration 8"
        with self._lock:
            self._epoch, self._renewed = int(lease[0]), time.monotonic()
        log.info("leading now (%s, epoch %s)", self.name, lease[0])
        self.on_lead()

    def _renew(self, conn: psycopg.Connection[Any]) -> None:
        done = conn.execute(
            "UPDATE leader_lease SET renewed_at = now() WHERE name = 'leader' AND epoch = %s",
            (self._epoch,),
        )
        if done.rowcount != 1:
            self._lost("a newer leader took over")
            return
        with self._lock:
            self._renewed = time.monotonic()

    def _end_stale_leader(self, conn: psycopg.Connection[Any]) -> None:
        """The lock is held but the lease was not renewed for `lease` seconds: the holder
        hangs (paused, cut off). End its session, which frees the lock for the next bid."""
        row = conn.execute(
            "SELECT holder, now() - renewed_at > make_interval(secs => %s) FROM leader_lease"
            " WHERE name = 'leader'",
            (self.lease,),
        ).fetchone()
        if not row or not row[1]:
            return
        for (pid,) in conn.execute(_HOLDER_OF_LOCK, (LEADER_LOCK,)).fetchall():
            log.warning(
                "leader %s has not renewed its lease for %.0f s: ending it", row[0], self.lease
            )
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))

    def _lost(self, why: str) -> None:
        with self._lock:
            was, self._epoch = self._epoch, None
        if was is not None:
            log.warning("no longer leading (epoch %s): %s", was, why)
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()  # the advisory lock goes with the session


@dataclass(frozen=True)
class LeaderInfo:
    holder: str
    epoch: int
    since: datetime | None
    renewed_ago: float | None  # seconds since the last renewal

    def line(self, lease_seconds: float) -> str:
        if not self.holder or self.since is None:
            return "leader: none yet (no instance has led)"
        since = self.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        ago = self.renewed_ago or 0.0
        if ago > lease_seconds:
            return f"leader: none (the lease of {self.holder} expired {ago:.0f} s ago)"
        return f"leader: {self.holder} since {since} (epoch {self.epoch}, renewed {ago:.0f} s ago)"


_LEASE_ROW = (
    "SELECT holder, epoch, since, extract(epoch FROM now() - renewed_at) AS ago"
    " FROM leader_lease WHERE name = 'leader'"
)


def _info(row: Any) -> LeaderInfo:
    if not row:
        return LeaderInfo("", 0, None, None)
    holder, epoch, since, ago = row
    return LeaderInfo(holder, int(epoch), since, None if ago is None else float(ago))


def leader_info(store: Any) -> LeaderInfo:
    """Who leads, read from the lease row (any instance, any store connection)."""
    rows = store._rows(_LEASE_ROW)
    return _info(tuple(rows[0].values()) if rows else None)


def leader_line(store: Any, lease_seconds: float) -> str:
    return leader_info(store).line(lease_seconds)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
