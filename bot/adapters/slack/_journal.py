"""The action journal: a Slack action is written down before Slack is answered.

Slack does not resend an event it got a 200 for, so an action acknowledged and then
lost to a crash (or to a database locked past its busy timeout) would be gone. A bolt
middleware therefore writes each state-changing request (reaction, button, edit modal,
a thread reply, a /care command that changes something) to this journal before bolt
answers: one small insert in its own SQLite file beside the database, so a lock held on
the database does not hold up Slack's answer. The worker marks the row done when the
work is stored; on start-up rows not done are dispatched through bolt again, down the
same listeners (every review action is idempotent, so a replayed one acts once). A row
of an event is keyed by its event id, so Slack redelivering it after a restart is not
journaled (or acted on) twice either.

If the insert fails, the answer says so ("not saved, try again") and nothing is done,
so the card keeps its buttons.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.adapters.slack._cards import EDIT_BLOCK
from bot.adapters.sqlite import open_side_file
from bot.adapters.stores import storage_faults
from bot.logging_setup import Conditions

log = logging.getLogger(__name__)

JOURNAL_ID = "careops_journal_id"  # bolt context key: the row a request was written to
WRITE_TIMEOUT = 1.0  # seconds: Slack wants its answer within 3
KEEP_DONE_SECONDS = 24 * 3600  # done rows are kept a day: a redelivery finds its key

# /care subcommands that only read: they need no journal row (and work when it is broken)
READ_ONLY_COMMANDS = frozenset({"", "help", "status", "stats", "oncall"})


@dataclass(frozen=True)
class Entry:
    id: int
    body: dict[str, Any]
    who: tuple[str, str]  # (user, channel) to tell if it cannot be done


def journal_path(database: Path) -> Path:
    return database.with_name(f"{database.stem}-actions.db")


class ActionJournal:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.conn = open_side_file(
            self.path,
            WRITE_TIMEOUT,
            "CREATE TABLE IF NOT EXISTS actions (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " key TEXT NOT NULL UNIQUE, body TEXT NOT NULL, received_at REAL NOT NULL,"
            " done_at REAL, outcome TEXT NOT NULL DEFAULT '')",
        )
        self.lock = threading.Lock()

    def write(self, key: str, body: dict[str, Any]) -> int | None:
        """Journal a request; its row id, or None when `key` was journaled before (a
        redelivery). Raises sqlite3.Error or OSError when it cannot be written."""
        with self.lock:
            cursor = self.conn.execute(
                "INSERT OR IGNORE INTO actions (key, body, received_at) VALUES (?, ?, ?)",
                (key, json.dumps(body, ensure_ascii=False), time.time()),
            )
            return int(cursor.lastrowid or 0) if cursor.rowcount else None

    def done(self, entry_id: int, outcome: str = "done") -> None:
        with self.lock:
            self.conn.execute(
                "UPDATE actions SET done_at = ?, outcome = ? WHERE id = ? AND done_at IS NULL",
                (time.time(), outcome[:500], entry_id),
            )

    def undone(self) -> list[Entry]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT id, body FROM actions WHERE done_at IS NULL ORDER BY id"
            ).fetchall()
        entries = []
        for entry_id, text in rows:
            body = json.loads(text)
            entries.append(Entry(entry_id, body, who_acted(body)))
        return entries

    def entry(self, entry_id: int) -> Entry | None:
        with self.lock:
            row = self.conn.execute("SELECT body FROM actions WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return None
        body = json.loads(row[0])
        return Entry(entry_id, body, who_acted(body))

    def prune(self, now: float | None = None) -> int:
        with self.lock:
            cursor = self.conn.execute(
                "DELETE FROM actions WHERE done_at IS NOT NULL AND done_at < ?",
                ((now or time.time()) - KEEP_DONE_SECONDS,),
            )
            return int(cursor.rowcount)

    def forget(self, needles: list[str]) -> int:
        """Rows whose request names any of `needles` (case ids, card time stamps): purge."""
        removed = 0
        with self.lock:
            for needle in needles:
                cursor = self.conn.execute(
                    "DELETE FROM actions WHERE instr(body, ?) > 0", (json.dumps(needle),)
                )
                removed += cursor.rowcount
        return removed

    def close(self) -> None:
        with self.lock:
            self.conn.close()


# --- which requests change state, and what identifies them ----------------------------------


@dataclass(frozen=True)
class StateChanging:
    """Which requests change state: the listeners' own tables (bot/adapters/slack/_listeners.py)."""

    reactions: frozenset[str]  # reaction names that act on a card
    buttons: frozenset[str]  # action ids that act on a case or a group
    command_words: Callable[[str], str] = lambda text: first_word(text)

    def key(self, body: dict[str, Any]) -> str | None:
        """The journal key of a state-changing request (an event's id, which Slack repeats
        when it retries), or None for one that changes nothing (App Home, opening the editor, a
        read-only command, a reaction or a message careops does not act on)."""
        kind = body.get("type")
        if kind == "event_callback":
            event = body.get("event") or {}
            return f"event:{body.get('event_id')}" if self._event_acts(event) else None
        # Slack never resends an interaction: each one is its own row.
        if kind == "block_actions":
            action = (body.get("actions") or [{}])[0]
            if action.get("action_id") not in self.buttons or not action.get("value"):
                return None
            return f"action:{uuid.uuid4()}"
        if kind == "view_submission":
            return f"view:{uuid.uuid4()}"
        if body.get("command"):
            if self.command_words(str(body.get("text", ""))) in READ_ONLY_COMMANDS:
                return None
            return f"command:{uuid.uuid4()}"
        return None

    def _event_acts(self, event: dict[str, Any]) -> bool:
        if event.get("type") == "reaction_added":
            name = str(event.get("reaction", "")).split("::")[0]
            return name in self.reactions and (event.get("item") or {}).get("type") == "message"
        if event.get("type") == "message":
            thread = event.get("thread_ts")
            return bool(
                thread and thread != event.get("ts") and not event.get("subtype")
                and not event.get("bot_id") and event.get("user") and event.get("text")
            )  # fmt: skip
        return False


def first_word(text: str) -> str:
    words = text.strip().split()
    return words[0].lower() if words else ""


def who_acted(body: dict[str, Any]) -> tuple[str, str]:
    """(user, channel) of a request, for telling the person it did not take."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        channel = (event.get("item") or {}).get("channel") or event.get("channel") or ""
        return str(event.get("user") or ""), str(channel)
    if body.get("command"):
        return str(body.get("user_id") or ""), str(body.get("channel_id") or "")
    user = (body.get("user") or {}).get("id") or ""
    channel = (body.get("channel") or {}).get("id") or ""
    return str(user), str(channel)


NOT_SAVED = "Not saved ({why}): careops could not write it down. Please try again."


class JournalMiddleware:
    """The bolt middleware: journal, then let bolt answer; or answer "not saved"."""

    def __init__(
        self,
        journal: ActionJournal,
        changing: StateChanging,
        tell: Callable[[str, str, str], None],
    ) -> None:
        self.journal = journal
        self.changing = changing
        self.tell = tell  # (channel, user, text): an ephemeral message, off this thread

    def __call__(
        self, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if JOURNAL_ID in req.context or not isinstance(req.body, dict):
            return next()  # a replay carries its row already
        key = self.changing.key(req.body)
        if key is None:
            return next()
        try:
            entry_id = self.journal.write(key, req.body)
        except (sqlite3.Error, OSError) as exc:
            log.error("could not journal a Slack action (%s): told the person", exc)
            return self._not_saved(req.body, str(exc))
        if entry_id is None:
            log.info("Slack sent %s again: already journaled", key)
            return BoltResponse(status=200, body="")
        req.context[JOURNAL_ID] = entry_id
        return next()

    def _not_saved(self, body: dict[str, Any], why: str) -> BoltResponse:
        text = NOT_SAVED.format(why=why)
        if body.get("type") == "view_submission":
            errors = {"response_action": "errors", "errors": {EDIT_BLOCK: text}}
            return BoltResponse(status=200, body=errors)
        if body.get("command"):
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        user, channel = who_acted(body)
        if user and channel:
            with contextlib.suppress(Exception):  # logged where it runs
                self.tell(channel, user, text)
        return BoltResponse(status=200, body="")


# --- doing the work of a journaled action ----------------------------------------------------

RETRY_FOR = 120.0  # seconds a storage fault is retried before the person is told
_faults = Conditions(log)


def run_journaled(
    journal: ActionJournal,
    entry_id: int,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    tell: Callable[[str, str, str], None],
    retry_for: float = RETRY_FOR,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Do the work of journaled action `entry_id`, then mark it done. A storage fault
    (locked past the busy timeout, disk full, read-only; PostgreSQL away or restarting)
    is retried until the work is stored; past `retry_for` the person is told it did not
    take and may try again."""
    started, pause = time.monotonic(), 0.25
    while True:
        try:
            result = func(*args)
        except storage_faults() as exc:
            if time.monotonic() - started >= retry_for:
                _give_up(journal, entry_id, exc, tell)
                return None
            _faults.failed("work", "storing a Slack action (retrying)", exc, trace=False)
            sleep(pause)
            pause = min(pause * 2, 5.0)
            continue
        except Exception as exc:
            journal.done(entry_id, f"failed: {type(exc).__name__}: {exc}")
            raise
        _faults.ok("work", "storing a Slack action")
        journal.done(entry_id)
        return result


def _give_up(
    journal: ActionJournal, entry_id: int, exc: Exception, tell: Callable[[str, str, str], None]
) -> None:
    entry = journal.entry(entry_id)
    journal.done(entry_id, f"not saved: {exc}")
    log.error("gave up on Slack action %d after retrying: %s", entry_id, exc)
    if entry is not None and all(entry.who):
        user, channel = entry.who
        tell(channel, user, NOT_SAVED.format(why=exc))
