"""`careops import FILE.jsonl` through the real CLI: a backlog in the inbox format becomes
cases without Slack; running it again adds nothing; bad lines are quarantined."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.files._jsonl import mention_to_inbox
from bot.adapters.sqlite import SqliteStore
from bot.cli import app
from bot.core.models import CaseState
from tests.conftest import make_mention


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("CAREOPS_DATA_DIR", "OPENAI_API_KEY", "CAREOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_backlog_is_imported_once_with_a_summary(home: Path) -> None:
    now = datetime.now(UTC)
    recent = make_mention("1", "@parcelly my parcel is late, order 5521", now=now)
    old = make_mention("2", "@parcelly where is my refund?", now=now - timedelta(days=30))
    lines = [json.dumps(mention_to_inbox(m)) for m in (recent, old, recent)]
    lines += ['{"network": "x", "id": "3"', "[1, 2]"]  # broken JSON, not an object
    backlog = home / "backlog.jsonl"
    backlog.write_text("\n".join(lines) + "\n", encoding="utf-8")

    first = CliRunner().invoke(app, ["import", str(backlog), "--data-dir", str(home / "data")])
    assert first.exit_code == 0, first.output
    assert "2 new (1 too old to answer, kept as expired; 0 spam), 1 duplicates" in first.output
    assert "2 quarantined" in first.output
    again = CliRunner().invoke(app, ["import", str(backlog), "--data-dir", str(home / "data")])
    assert "0 new" in again.output and "3 duplicates" in again.output

    store = SqliteStore(home / "data" / "careops.db")
    cases = {c.id: c for c in store.cases()}
    assert cases["x:1"].state is CaseState.IN_REVIEW and cases["x:1"].draft_id
    assert store.get_draft(cases["x:1"].draft_id or "").drafter.startswith("offline")
    assert cases["x:2"].state is CaseState.EXPIRED
    reasons = [row["reason"] for row in store.quarantined()]
    assert len(reasons) == 4 and any("bad JSON" in r for r in reasons)
    store.close()


def test_a_missing_file_is_one_clear_line(home: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(home / "nope.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output
