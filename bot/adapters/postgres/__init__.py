"""The shared store for two or more instances: PostgreSQL through psycopg 3 and its pool.

The same repositories as the SQLite store (one contract suite runs on both), the same
migration list, plus what several instances need: a leader lease with an epoch that
fences publishing, LISTEN/NOTIFY to wake the leader, and `careops db copy`.
"""

from bot.adapters.postgres._connect import (
    DatabaseSettingsError,
    DatabaseUnavailable,
    check_url,
    display,
    scrub,
    wait_for_server,
)
from bot.adapters.postgres._copy import CopyRefused, TableCopy, copy_store
from bot.adapters.postgres._examples import PostgresExamples
from bot.adapters.postgres._lease import LeaderInfo, Leadership, leader_info, leader_line
from bot.adapters.postgres._listen import OutboxListener
from bot.adapters.postgres._store import OUTBOX_CHANNEL, PostgresStore

__all__ = [
    "OUTBOX_CHANNEL",
    "CopyRefused",
    "DatabaseSettingsError",
    "DatabaseUnavailable",
    "LeaderInfo",
    "Leadership",
    "OutboxListener",
    "PostgresExamples",
    "PostgresStore",
    "TableCopy",
    "check_url",
    "copy_store",
    "display",
    "leader_info",
    "leader_line",
    "scrub",
    "wait_for_server",
]
