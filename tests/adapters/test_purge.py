"""`careops purge --author`: nothing of theirs is left in any table, index or quarantine,
down to the bytes of the database file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.files._jsonl import mention_to_inbox
from bot.app import file_app
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import CaseGroup, Quarantined
from bot.core.permissions import Action
from tests.conftest import make_mention

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SECRET_WORD = "Quokkaville"  # appears only in what she wrote


def everything_in(db: Path) -> str:
    """Every value of every row of every table (shadow tables of the index included)."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [repr(conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables]
    return "\n".join(rows)


def test_purge_leaves_nothing_of_theirs_in_any_table_index_or_the_file(tmp_path: Path) -> None:
    settings = Settings(CAREOPS_DATA_DIR=tmp_path / "data", SLACK_APPROVERS=["ULEAD"])
    inbox, outbox = tmp_path / "inbox.jsonl", tmp_path / "outbox.jsonl"
    hers = make_mention("1", f"My parcel to {SECRET_WORD} is late, order 5521", author="maria_g")
    his = make_mention("2", "My parcel is late too, order 77", author="sam")
    lines = [json.dumps(mention_to_inbox(m)) for m in (hers, his)]
    lines.append(json.dumps({"author": "maria_g", "text": f"{SECRET_WORD} " * 3, "id": None}))
    inbox.write_text("\n".join(lines) + "\n")
    care = file_app(settings, inbox, outbox, clock=FakeClock(NOW))
    care.startup()
    care.tick()
    for case_id in ("x:1", "x:2"):
        assert care.review.approve(case_id, "ULEAD").ok
    care.tick()  # published: both replies become drafting examples (full-text index)
    assert care.store.examples.sync() == 2
    groups = care.store.groups
    groups.start_group(CaseGroup("g:x:1", hers.text, ("x:1", "x:2")), NOW)
    care.store.quarantine(Quarantined("bluesky", f'{{"handle": "@maria_g", "t": "{SECRET_WORD}"}}',
                                      "bad record", NOW))  # fmt: skip
    care.store.quarantine(Quarantined("x", '{"author": "maria_gx"}', "other person", NOW))
    relations = care.services.relations
    assert relations.link("x:maria_g bluesky:maria.bsky.social", "ULEAD").startswith("Linked")
    assert relations.link("x:sam mastodon:sam@toot.example", "ULEAD").startswith("Linked")
    for case_id in ("x:1", "x:2"):  # a 🎁 on each card: a moment and a gesture per case
        assert care.services.actions.act(Action.GIFT, case_id, "ULEAD").changed
    assert SECRET_WORD in everything_in(settings.database)
    assert len(care.store.quarantined()) == 3  # the inbox line without an id, and two more

    counts = care.store.ops.purge_author("@Maria_G")
    care.store.close()

    assert counts == {
        "cases": 1, "drafts": 1, "outbox": 1, "audit": counts["audit"], "slack_group_members": 1,
        "drafting_examples": 1, "drafting_examples_fts": 1, "slack_groups": 1, "quarantine": 2,
        "wow_moments": 1, "wow_gestures": 1, "people_links": 1, "people_link_log": 1,
    }  # fmt: skip
    assert counts["audit"] >= 5  # created, triaged, drafted, in review, approved, gift ...
    left = everything_in(settings.database)
    assert SECRET_WORD not in left and 'maria_g"' not in left.replace("maria_gx", "")
    assert "x:2" in left and "order 77" in left and "maria_gx" in left  # others are kept
    assert "maria.bsky.social" not in left  # her link, with nobody left to link to
    assert "sam@toot.example" in left and "'spotted'" in left  # his link and moment stay
    raw = b"".join(p.read_bytes() for p in settings.database.parent.glob("careops.db*"))
    assert SECRET_WORD.encode() not in raw and SECRET_WORD.lower().encode() not in raw


def test_purge_through_the_cli_also_forgets_slack_actions_on_their_cases(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.adapters.slack._journal import ActionJournal, journal_path
    from bot.adapters.sqlite import SqliteStore
    from bot.cli import app
    from tests.core.test_jobs import add_case
    from tests.fakes.slack_requests import reaction_body

    db = tmp_path / "data" / "careops.db"
    store = SqliteStore(db)
    hers = add_case(store, make_mention("1", author="maria_g"), NOW)
    store.save_case(hers.evolve(review_ref="C0CARE/1764061200.000001"), None)
    add_case(store, make_mention("2", author="sam"), NOW)
    store.close()
    journal = ActionJournal(journal_path(db))
    for n, ts in ((1, "1764061200.000001"), (2, "1764061200.000002")):
        body = json.loads(reaction_body("white_check_mark", "U1", "C0CARE", ts, f"Ev{n}"))
        journal.write(f"event:Ev{n}", body)
    journal.close()
    done = CliRunner().invoke(
        app, ["purge", "--author", "maria_g", "--yes"], env={"CAREOPS_DATA_DIR": str(db.parent)}
    )
    assert done.exit_code == 0, done.output
    assert "1 cases" in done.output and "1 slack action journal" in done.output
    journal = ActionJournal(journal_path(db))
    assert [e.body["event_id"] for e in journal.undone()] == ["Ev2"]
    journal.close()
