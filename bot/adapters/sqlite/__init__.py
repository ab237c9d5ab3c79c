"""The embedded store: one SQLite file in WAL mode, versioned migrations, the run lock.

`SqliteStore` implements the core's Store port and carries the other repositories:
`groups` (crisis groups), `ops` (on-call overrides, crisis switch, removal), `queries`
(the read side), `examples` (approved replies as drafting examples), `people` (customers
across cases and networks) and `wow` (wow moments and gestures). One module,
`_db.py`, owns the connection and its transactions.
"""

from bot.adapters.sqlite._db import SqlDatabase
from bot.adapters.sqlite._examples import ExamplesIndex
from bot.adapters.sqlite._groups import SqlGroups
from bot.adapters.sqlite._health import (
    StorageProblem,
    backup,
    create_private,
    integrity_problems,
    open_side_file,
    startup_problem,
)
from bot.adapters.sqlite._migrations import MIGRATIONS
from bot.adapters.sqlite._ops import SqlOps
from bot.adapters.sqlite._people import SqlPeople
from bot.adapters.sqlite._queries import SqlQueries
from bot.adapters.sqlite._reads import record_reads
from bot.adapters.sqlite._run_lock import AlreadyRunning, RunLock
from bot.adapters.sqlite._store import SqliteStore
from bot.adapters.sqlite._wow import SqlWow

__all__ = [
    "MIGRATIONS",
    "AlreadyRunning",
    "ExamplesIndex",
    "RunLock",
    "SqlDatabase",
    "SqlGroups",
    "SqlOps",
    "SqlPeople",
    "SqlQueries",
    "SqlWow",
    "SqliteStore",
    "StorageProblem",
    "backup",
    "create_private",
    "integrity_problems",
    "open_side_file",
    "record_reads",
    "startup_problem",
]
