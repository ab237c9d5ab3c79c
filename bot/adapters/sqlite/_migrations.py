"""Versioned schema migrations: one list of versions for both stores.

Each migration is applied once, in version order, inside a transaction, and recorded
in `migrations`. Areas keep their own version ranges so their tables never collide:
1–9 core store, 10–19 networks, 20–29 operations, 30–39 drafting, 40–49 Slack,
50–59 relations (customers across cases, wow moments).

`sql` is what SQLite runs; PostgreSQL runs the same text (with AUTOINCREMENT keys and
REAL columns translated, bot/adapters/postgres/_migrations.py) unless the migration
carries its own `postgres` text. An empty text is a migration with nothing to do on
that store. The contract suite (tests/store_contract/) applies every one on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.adapters.sqlite._db import Database

# When an approved case was decided: its publication, else its last change (App Home's
# "approved today"). Queries must spell it exactly so to use the cases_decided index
# (migration 5; migration 4 read it out of the body).
DECIDED_AT = "coalesce(published_at, updated_at)"
_DECIDED_AT_4 = "coalesce(json_extract(body, '$.published_at'), updated_at)"
_PG_DECIDED_AT_4 = "coalesce(body::jsonb ->> 'published_at', updated_at)"
# New columns sit after the body in the row (ALTER TABLE adds them at its end), so an
# index that holds them spares SQLite walking each body's overflow pages.
_COVERING = f"""
        DROP INDEX cases_decided;
        CREATE INDEX cases_decided ON cases({DECIDED_AT}, approved_by, state, posted_at)
            WHERE approved_by IS NOT NULL;
        CREATE INDEX cases_report ON cases(
            posted_at, network, state, published_at, approved_by, flags, draft_id);
        CREATE INDEX cases_open ON cases(state, network, posted_at, flags);
        CREATE INDEX drafts_origin ON drafts(id, drafter, edited_from);
"""
# The link of a case's post (`/care draft <url>` when the post cannot be fetched).
URL = "json_extract(body, '$.mention.url')"
PG_URL = "body::jsonb #>> '{mention,url}'"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    postgres: str | None = None  # PostgreSQL's text, where it differs from SQLite's


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "core tables",
        """
        CREATE TABLE cases (
            id TEXT PRIMARY KEY, network TEXT NOT NULL, state TEXT NOT NULL,
            author TEXT NOT NULL, posted_at TEXT NOT NULL, created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, draft_id TEXT, claimed_by TEXT, approved_by TEXT,
            review_ref TEXT, body TEXT NOT NULL
        );
        CREATE INDEX cases_state ON cases(state);
        CREATE INDEX cases_created ON cases(created_at);
        CREATE INDEX cases_author ON cases(author);
        CREATE INDEX cases_review_ref ON cases(review_ref);
        CREATE TABLE drafts (
            id TEXT PRIMARY KEY, case_id TEXT NOT NULL, text TEXT NOT NULL,
            drafter TEXT NOT NULL, created_at TEXT NOT NULL, topic TEXT NOT NULL,
            prompt_version TEXT NOT NULL, edited_from TEXT, note TEXT NOT NULL,
            checks TEXT NOT NULL, usage TEXT NOT NULL
        );
        CREATE INDEX drafts_case ON drafts(case_id);
        CREATE TABLE outbox (
            draft_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, network TEXT NOT NULL,
            in_reply_to TEXT NOT NULL, text TEXT NOT NULL, state TEXT NOT NULL,
            created_at TEXT NOT NULL, attempts INTEGER NOT NULL, remote_id TEXT,
            remote_url TEXT, error TEXT NOT NULL, meta TEXT NOT NULL,
            published_seq INTEGER
        );
        CREATE INDEX outbox_state ON outbox(state);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, at TEXT NOT NULL,
            actor TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT NOT NULL,
            to_state TEXT NOT NULL, detail TEXT NOT NULL
        );
        CREATE INDEX audit_case ON audit(case_id);
        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, at TEXT NOT NULL,
            reason TEXT NOT NULL, raw TEXT NOT NULL, raw_bytes INTEGER NOT NULL
        );
        CREATE TABLE cursors (
            source TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE TABLE usage (
            day TEXT NOT NULL, network TEXT NOT NULL, kind TEXT NOT NULL,
            count INTEGER NOT NULL, cost REAL NOT NULL, PRIMARY KEY (day, network, kind)
        );
        """,
    ),
    Migration(
        2,
        "outbox publication order index",
        "CREATE INDEX outbox_published_seq ON outbox(published_seq)",
    ),
    Migration(3, "drop the unused cases.author index", "DROP INDEX IF EXISTS cases_author"),
    Migration(
        4,
        "indexes for reads bounded by what they show: the queue, approvals, one author",
        f"""
        CREATE INDEX cases_state_posted ON cases(state, posted_at);
        CREATE INDEX cases_author ON cases(author);
        CREATE INDEX cases_decided ON cases({_DECIDED_AT_4}) WHERE approved_by IS NOT NULL
        """,
        postgres=f"""
        CREATE INDEX cases_state_posted ON cases(state, posted_at);
        CREATE INDEX cases_author ON cases(author);
        CREATE INDEX cases_decided ON cases(({_PG_DECIDED_AT_4})) WHERE approved_by IS NOT NULL
        """,
    ),
    Migration(
        5,
        "cases.published_at and cases.flags as columns, and indexes that cover what reports,"
        " App Home, /care status, /care draft and the target check read",
        f"""
        ALTER TABLE cases ADD COLUMN published_at TEXT;
        ALTER TABLE cases ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
        UPDATE cases SET published_at = json_extract(body, '$.published_at'),
            flags = coalesce(json_extract(body, '$.flags'), '[]');
        {_COVERING}
        CREATE INDEX cases_url ON cases({URL})
        """,
        postgres=f"""
        ALTER TABLE cases ADD COLUMN published_at TEXT;
        ALTER TABLE cases ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
        UPDATE cases SET published_at = body::jsonb ->> 'published_at',
            flags = coalesce((body::jsonb -> 'flags')::text, '[]');
        {_COVERING.replace(DECIDED_AT, f"({DECIDED_AT})")}
        CREATE INDEX cases_url ON cases(({PG_URL}))
        """,
    ),
    Migration(
        6,
        "the report index holds the case id too (a published reply's approver from the audit)",
        """
        DROP INDEX cases_report;
        CREATE INDEX cases_report ON cases(
            posted_at, network, state, published_at, approved_by, flags, draft_id, id)
        """,
    ),
    Migration(
        8,
        "leader lease (PostgreSQL: one leader among instances; SQLite has the run lock)",
        "",
        postgres="""
        CREATE TABLE leader_lease (
            name TEXT PRIMARY KEY, epoch BIGINT NOT NULL, holder TEXT NOT NULL,
            holder_pid INTEGER, since TIMESTAMPTZ, renewed_at TIMESTAMPTZ
        );
        INSERT INTO leader_lease (name, epoch, holder) VALUES ('leader', 0, '')
        """,
    ),
    # --- networks (10–19)
    Migration(
        10,
        "networks: the resources read each UTC day (X bills a post or user once a day)",
        """
        CREATE TABLE usage_reads (
            day TEXT NOT NULL, network TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,
            PRIMARY KEY (day, network, kind, id)
        )
        """,
    ),
    # --- operations (20–29)
    Migration(
        20,
        "operations: on-call overrides, crisis switch, once-only markers",
        """
        CREATE TABLE ops_overrides (
            id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX ops_overrides_end ON ops_overrides(ends_at);
        CREATE TABLE ops_crisis (
            id INTEGER PRIMARY KEY AUTOINCREMENT, active INTEGER NOT NULL, reason TEXT NOT NULL,
            user TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE TABLE ops_sent (key TEXT PRIMARY KEY, at TEXT NOT NULL, detail TEXT NOT NULL);
        """,
        postgres="""
        CREATE TABLE ops_overrides (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "user" TEXT NOT NULL,
            starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, created_by TEXT NOT NULL,
            created_at TEXT NOT NULL, reason TEXT NOT NULL
        );
        CREATE INDEX ops_overrides_end ON ops_overrides(ends_at);
        CREATE TABLE ops_crisis (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, active INTEGER NOT NULL,
            reason TEXT NOT NULL, "user" TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE TABLE ops_sent (key TEXT PRIMARY KEY, at TEXT NOT NULL, detail TEXT NOT NULL);
        """,
    ),
    # --- drafting (30–39)
    Migration(
        30,
        "drafting examples index",
        """
        CREATE TABLE drafting_examples (
            draft_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, mention_text TEXT NOT NULL,
            reply_text TEXT NOT NULL, edited INTEGER NOT NULL, drafter TEXT NOT NULL,
            published_at TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE drafting_examples_fts USING fts5(mention_text)
        """,
        # No FTS5: a full-text column instead. `rowid` is spelled out (SQLite has it
        # implicitly) so the SQL shared by both stores can join on it.
        postgres="""
        CREATE TABLE drafting_examples (
            rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,
            draft_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, mention_text TEXT NOT NULL,
            reply_text TEXT NOT NULL, edited INTEGER NOT NULL, drafter TEXT NOT NULL,
            published_at TEXT NOT NULL
        );
        CREATE TABLE drafting_examples_fts (
            rowid BIGINT PRIMARY KEY, mention_text TEXT NOT NULL,
            words tsvector GENERATED ALWAYS AS (to_tsvector('simple', mention_text)) STORED
        );
        CREATE INDEX drafting_examples_fts_words ON drafting_examples_fts USING gin(words)
        """,
    ),
    # --- Slack (40–49)
    Migration(
        40,
        "slack: crisis groups and where each member's card is",
        """
        CREATE TABLE slack_groups (
            id TEXT PRIMARY KEY, lead_text TEXT NOT NULL, ref TEXT, started_at TEXT NOT NULL
        );
        CREATE INDEX slack_groups_ref ON slack_groups(ref);
        CREATE INDEX slack_groups_started ON slack_groups(started_at);
        CREATE TABLE slack_group_members (
            case_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, seq INTEGER NOT NULL,
            joined_at TEXT NOT NULL, card_ref TEXT
        );
        CREATE INDEX slack_group_members_group ON slack_group_members(group_id, seq);
        CREATE INDEX slack_group_members_card ON slack_group_members(card_ref)
        """,
    ),
    Migration(
        41,
        "slack: when each group card was last rendered",
        "ALTER TABLE slack_groups ADD COLUMN rendered_at TEXT",
    ),
]


MIGRATIONS += [
    # --- relations (50–59): customers across cases and networks, wow moments
    Migration(
        50,
        "relations: history read by author, links between a customer's handles, wow moments"
        " and gestures",
        """
        CREATE INDEX cases_person ON cases(author, network, posted_at);
        DROP INDEX cases_author;
        CREATE TABLE people_links (
            network TEXT NOT NULL, handle TEXT NOT NULL, person TEXT NOT NULL,
            linked_by TEXT NOT NULL, linked_at TEXT NOT NULL, PRIMARY KEY (network, handle)
        );
        CREATE INDEX people_links_person ON people_links(person);
        CREATE TABLE people_link_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL, handles TEXT NOT NULL,
            "user" TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE TABLE wow_moments (
            case_id TEXT PRIMARY KEY, kind TEXT NOT NULL, why TEXT NOT NULL, at TEXT NOT NULL,
            network TEXT NOT NULL, author TEXT NOT NULL
        );
        CREATE INDEX wow_moments_at ON wow_moments(at);
        CREATE TABLE wow_gestures (
            case_id TEXT PRIMARY KEY, offer TEXT NOT NULL, label TEXT NOT NULL,
            cost REAL NOT NULL, "user" TEXT NOT NULL, at TEXT NOT NULL,
            over_budget INTEGER NOT NULL
        );
        CREATE INDEX wow_gestures_at ON wow_gestures(at)
        """,
    ),
]


def applied_versions(db: Database) -> set[int]:
    db.execute(
        "CREATE TABLE IF NOT EXISTS migrations"
        " (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
    )
    return {row["version"] for row in db.query("SELECT version FROM migrations")}


def migrate(db: Database) -> list[Migration]:
    """Apply every migration not applied yet, each in its own transaction; return them."""
    done = applied_versions(db)
    versions = [m.version for m in MIGRATIONS]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"duplicate migration versions: {sorted(versions)}")
    applied = []
    for migration in sorted(MIGRATIONS, key=lambda m: m.version):
        if migration.version in done:
            continue
        with db.transaction(immediate=False):
            for statement in statements(migration.sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO migrations VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
        applied.append(migration)
    return applied


def statements(sql: str) -> list[str]:
    return [part.strip() for part in sql.split(";") if part.strip()]
