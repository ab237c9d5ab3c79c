"""Approved replies as examples for similar new mentions (SQLite FTS5).

Every published reply, with the customer post it answered, is indexed; a new mention
asks for the replies whose customer posts rank best against its words (BM25). The
index fills itself from the store: `sync()` copies published outbox rows that are not
indexed yet, so nothing else has to remember to call it when a case is published.

It also keeps whether the team sent the draft as written or edited it first, which is
what `unedited_share()` reports.
"""

from __future__ import annotations

import re

from bot.adapters.sqlite._db import Database

EXAMPLES_TABLE = "drafting_examples"
FTS_TABLE = "drafting_examples_fts"
_WORD = re.compile(r"\w{3,}", re.UNICODE)
MAX_QUERY_WORDS = 24

_SYNC_SQL = f"""
INSERT OR IGNORE INTO {EXAMPLES_TABLE}
    (draft_id, case_id, mention_text, reply_text, edited, drafter, published_at)
SELECT o.draft_id, o.case_id, json_extract(c.body, '$.mention.text'), o.text,
       CASE WHEN d.edited_from IS NULL THEN 0 ELSE 1 END, COALESCE(d.drafter, ''),
       COALESCE(json_extract(c.body, '$.published_at'), o.created_at)
FROM outbox o
JOIN cases c ON c.id = o.case_id
LEFT JOIN drafts d ON d.id = o.draft_id
WHERE o.state = 'published'
  AND o.draft_id NOT IN (SELECT draft_id FROM {EXAMPLES_TABLE})
"""
# The FTS table shares rowids with the examples table; this fills in the ones missing.
_FTS_SQL = f"""
INSERT INTO {FTS_TABLE} (rowid, mention_text)
SELECT rowid, mention_text FROM {EXAMPLES_TABLE}
WHERE rowid > (SELECT COALESCE(max(rowid), 0) FROM {FTS_TABLE})
"""


def fts_query(text: str) -> str:
    """The words of a post as an FTS5 OR-query; quoted so no word is read as syntax."""
    seen: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in seen and not word.isdigit():
            seen.append(word)
    return " OR ".join(f'"{w}"' for w in seen[:MAX_QUERY_WORDS])


class ExamplesIndex:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._synced_upto: object = None  # the outbox's publication counter at the last sync

    def sync(self) -> int:
        """Index published replies not indexed yet; returns how many were added.

        Nothing to do, and no table scan, while no reply has been published since last time.
        """
        if not self.db.table_exists(EXAMPLES_TABLE):
            return 0
        upto = self.db.scalar("SELECT max(published_seq) FROM outbox")
        if upto is not None and upto == self._synced_upto:
            return 0
        with self.db.transaction():
            before = self.db.scalar(f"SELECT count(*) FROM {EXAMPLES_TABLE}")
            self.db.execute(_SYNC_SQL)
            self.db.execute(_FTS_SQL)
            after = self.db.scalar(f"SELECT count(*) FROM {EXAMPLES_TABLE}")
        self._synced_upto = upto
        return int(after - before)

    def add(
        self, draft_id: str, mention_text: str, reply_text: str, *, edited: bool = False
    ) -> None:
        """Index one approved reply directly (imports, tests)."""
        with self.db.transaction():
            self.db.execute(
                f"INSERT OR IGNORE INTO {EXAMPLES_TABLE} (draft_id, case_id, mention_text,"
                " reply_text, edited, drafter, published_at) VALUES (?, '', ?, ?, ?, '', '')",
                [draft_id, mention_text, reply_text, int(edited)],
            )
            self.db.execute(_FTS_SQL)

    def similar(self, text: str, k: int = 3) -> list[str]:
        """Up to k approved replies whose customer posts best match `text`, best first."""
        query = fts_query(text)
        if not query or k <= 0:
            return []
        self.sync()
        rows = self.db.query(
            f"SELECT e.reply_text FROM {FTS_TABLE} f JOIN {EXAMPLES_TABLE} e"
            f" ON e.rowid = f.rowid WHERE {FTS_TABLE} MATCH ? ORDER BY bm25({FTS_TABLE})"
            " LIMIT ?",
            [query, k * 3],
        )
        unique: list[str] = []
        for reply in (row["reply_text"] for row in rows):
            if reply not in unique:
                unique.append(reply)
        return unique[:k]

    def unedited_share(self) -> float | None:
        """Share of published replies sent exactly as drafted; None before the first one."""
        self.sync()
        row = self.db.one(
            f"SELECT count(*) AS total, sum(edited) AS edited FROM {EXAMPLES_TABLE}"
            " WHERE case_id != ''"
        )
        assert row is not None
        total, edited = int(row["total"]), int(row["edited"] or 0)
        return None if total == 0 else (total - edited) / total
