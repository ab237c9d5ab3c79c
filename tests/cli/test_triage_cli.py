"""careops triage: one post, or a JSONL file of a team's own posts."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.cli.triage import triage_lines


def test_one_post_as_text_and_as_json() -> None:
    text = "@parcelly my lawyer will hear about the laptop you lost"
    shown = CliRunner().invoke(app, ["triage", text])
    assert shown.exit_code == 0
    assert "intent:    complaint" in shown.stdout
    assert "legal threat: " in shown.stdout and "priority:  high" in shown.stdout
    data = json.loads(CliRunner().invoke(app, ["triage", "--json", text]).stdout)
    assert data["intent"] == "complaint" and data["risks"] == ["legal"]
    assert data["language"] == "en" and data["priority"] == "high"


def test_jsonl_adds_a_triage_object_and_names_bad_lines() -> None:
    lines = [
        json.dumps({"id": 1, "text": "thank you so much, the driver was lovely", "label": "p"}),
        "not json",
        json.dumps({"id": 2, "body": "no text field"}),
        "",
        json.dumps({"id": 3, "text": "where is my refund?? 3 weeks now", "followers": 50_000}),
    ]
    out, err = io.StringIO(), io.StringIO()
    assert triage_lines(lines, out, err) == 2
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == [1, 3]
    assert rows[0]["label"] == "p" and rows[0]["triage"]["intent"] == "praise"
    assert rows[1]["triage"]["intent"] == "complaint"
    assert "large_audience" in rows[1]["triage"]["risks"]
    assert err.getvalue().splitlines() == [
        "line 2: not JSON (Expecting value)",
        "line 3: needs a JSON object with a text field",
    ]


def test_jsonl_from_a_file_and_exit_code(tmp_path: Path) -> None:
    good = tmp_path / "posts.jsonl"
    good.write_text(json.dumps({"text": "do you deliver on sundays?"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["triage", "--jsonl", str(good)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["triage"]["intent"] == "question"
    missing = CliRunner().invoke(app, ["triage", "--jsonl", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_triage_loads_neither_scikit_learn_nor_the_model_for_help() -> None:
    """The command imports only what it uses: scikit-learn is for `careops train`."""
    code = (
        "import sys, bot.cli.triage as t; "
        "t.triage(t.mention_for('my parcel is late')); "
        "print('sklearn' in sys.modules, 'openai' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
