"""Approved replies as examples for similar new mentions, on PostgreSQL full-text search.

The same index as SQLite's (bot/adapters/sqlite/_examples.py): published replies are
copied into `drafting_examples` by `sync()`, and a new mention asks for the replies
whose customer posts rank best against its words. PostgreSQL has no FTS5: the words
are a generated `tsvector` column (simple configuration, no stemming), ranked with
`ts_rank`.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.postgres._sql import Sql
from bot.adapters.sqlite._examples import _WORD, EXAMPLES_TABLE, FTS_TABLE, MAX_QUERY_WORDS

_SYNC_SQL = f"""
INSERT INTO {EXAMPLES_TABLE}
    (draft_id, case_id, mention_text, reply_text, edited, drafter, published_at)
SELECT o.draft_id, o.case_id, (c.body::jsonb) #>> '{{mention,text}}', o.text,
       CASE WHEN d.edited_from IS NULL THEN 0 ELSE 1 END, COALESCE(d.drafter, ''),
       COALESCE((c.body::jsonb) ->> 'published_at', o.created_at)
FROM outbox o
JOIN cases c ON c.id = o.case_id
LEFT JOIN drafts d ON d.id = o.draft_id
WHERE o.state = 'published'
  AND o.draft_id NOT IN (SELECT draft_id FROM {EXAMPLES_TABLE})
ON CONFLICT DO NOTHING
"""
_FTS_SQL = f"""
INSERT INTO {FTS_TABLE} (rowid, mention_text)
SELECT rowid, mention_text FROM {EXAMPLES_TABLE}
WHERE rowid > (SELECT COALESCE(max(rowid), 0) FROM {FTS_TABLE})
ON CONFLICT DO NOTHING
"""


def ts_query(text: str) -> list[str]:
    """The distinct words of a post (no numbers), at most MAX_QUERY_WORDS."""
    seen: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in seen and not word.isdigit():
            seen.append(word)
    return seen[:MAX_QUERY_WORDS]


class PostgresExamples:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self._synced_upto: object = None

    def sync(self) -> int:
        upto = self.sql.rows("SELECT max(published_seq) AS upto FROM outbox")[0]["upto"]
        if upto is not None and upto == self._synced_upto:
            return 0
        with self.sql.transaction():
            added = self.sql.run(_SYNC_SQL).rowcount
            self.sql.run(_FTS_SQL)
        self._synced_upto = upto
        return max(added, 0)

    def add(
        self, draft_id: str, mention_text: str, reply_text: str, *, edited: bool = False
    ) -> None:
        with self.sql.transaction():
            self.sql.run(
                f"INSERT INTO {EXAMPLES_TABLE} (draft_id, case_id, mention_text, reply_text,"
                " edited, drafter, published_at) VALUES (?, '', ?, ?, ?, '', '')"
                " ON CONFLICT DO NOTHING",
                [draft_id, mention_text, reply_text, int(edited)],
            )
            self.sql.run(_FTS_SQL)

    def similar(self, text: str, k: int = 3) -> list[str]:
        words = ts_query(text)
        if not words or k <= 0:
            return []
        self.sync()
        query = " | ".join(f"'{w}'" for w in (w.replace("'", "") for w in words) if w)
        rows = self.sql.rows(
            f"SELECT e.reply_text FROM {FTS_TABLE} f JOIN {EXAMPLES_TABLE} e ON e.rowid = f.rowid"
            " WHERE f.words @@ to_tsquery('simple', ?)"
            " ORDER BY ts_rank(f.words, to_tsquery('simple', ?)) DESC, f.rowid LIMIT ?",
            [query, query, k * 3],
        )
        unique: list[str] = []
        for row in rows:
            if row["reply_text"] not in unique:
                unique.append(row["reply_text"])
        return unique[:k]

    def unedited_share(self) -> float | None:
        self.sync()
        row: Any = self.sql.rows(
            f"SELECT count(*) AS total, sum(edited) AS edited FROM {EXAMPLES_TABLE}"
            " WHERE case_id != ''"
        )[0]
        total, edited = int(row["total"]), int(row["edited"] or 0)
        return None if total == 0 else (total - edited) / total
