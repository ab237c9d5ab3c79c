"""The embedded store: one SQLite file in WAL mode, versioned migrations, the run lock."""

from bot.adapters.sqlite._examples import ExamplesIndex
from bot.adapters.sqlite._health import (
    StorageProblem,
    backup,
    create_private,
    integrity_problems,
    startup_problem,
)
from bot.adapters.sqlite._migrations import MIGRATIONS
from bot.adapters.sqlite._ops import crisis_active
from bot.adapters.sqlite._run_lock import AlreadyRunning, RunLock
from bot.adapters.sqlite._shared import SqlStore
from bot.adapters.sqlite._store import SqliteStore

__all__ = [
    "MIGRATIONS",
    "AlreadyRunning",
    "ExamplesIndex",
    "RunLock",
    "SqlStore",
    "SqliteStore",
    "StorageProblem",
    "backup",
    "create_private",
    "crisis_active",
    "integrity_problems",
    "startup_problem",
]
