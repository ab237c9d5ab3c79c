"""`careops eval` on a tiny pairs file written for the test."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.evaluation import (
    IntentCheck,
    Tally,
    comparison_table,
    detail_words,
    names_a_detail,
)
from bot.core.models import LintResult, RuleCheck

ROOT = Path(__file__).resolve().parents[2]
PAIRS = [
    {
        "inbound_id": "1",
        "inbound_author": "100",
        "inbound_text": "@parcelly my parcel never arrived and the tracking is stuck",
        "brand": "parcelly",
        "reply_text": "@100 Sorry! DM us your tracking number and we'll look into it.",
        "response_seconds": 300,
    },
    {
        "inbound_id": "2",
        "inbound_author": "101",
        "inbound_text": "@parcelly love the new app, so quick",
        "brand": "parcelly",
        "reply_text": "@101 Thanks so much! https://t.co/abc",
        "response_seconds": 60,
    },
    {"inbound_text": "", "reply_text": "skipped: no customer text"},
]


@pytest.fixture
def pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREOPS_PROMPTS_DIR", str(ROOT / "prompts"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in PAIRS) + "\nnot json\n")
    return path


def test_prints_the_comparison_and_writes_the_report(pairs: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["eval", "--data", str(pairs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| metric (n=2) | careops drafts | brand replies |" in result.stdout
    rows = {line.split("|")[1].strip(): line for line in result.stdout.splitlines() if "|" in line}
    assert rows["rule: thanks"].split("|")[2].strip() == "100.0%"
    assert rows["rule: thanks"].split("|")[3].strip() == "50.0%"  # one brand reply thanks
    assert rows["links all in links.yaml"].split("|")[3].strip() == "50.0%"  # t.co is not
    assert out.read_text().strip() == result.stdout.strip()


def test_limit_counts_usable_pairs(pairs: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(pairs), "--limit", "1"])
    assert result.exit_code == 0 and "(n=1)" in result.stdout


def test_missing_data_says_where_to_get_it_and_exits_2(pairs: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "Customer Support on Twitter" in result.stderr and "--data" in result.stderr


def test_openai_without_a_key_is_refused(pairs: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(pairs), "--drafter", "openai"])
    assert result.exit_code == 2 and "OPENAI_API_KEY" in result.stderr


def test_table_counts_each_rule_and_length() -> None:
    ours, theirs = Tally(), Tally()
    ok = LintResult(
        tuple(
            RuleCheck(r, True, "")
            for r in ("thanks", "solution", "not_defensive", "human", "link", "length")
        )
    )
    ours.add(ok, text="x" * 10, links_found=1, links_allowed=True, too_long=False)
    theirs.add(
        LintResult((RuleCheck("thanks", False, ""),)),
        text="x" * 300,
        links_found=0,
        links_allowed=True,
        too_long=True,
    )
    table = comparison_table(ours, theirs)
    assert "| all text rules | 100.0% | 0.0% |" in table
    assert "| length violations | 0 | 1 |" in table
    assert "| mean length (chars) | 10 | 300 |" in table


SHARED_PAIRS = ROOT.parent / "shared" / "data" / "twcs" / "pairs.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_PAIRS.exists(), reason="shared tweet corpus not present")
def test_offline_drafts_pass_every_text_rule_on_95_percent_of_500_real_tweets(
    pairs: Path,
) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(SHARED_PAIRS), "--limit", "500"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "| all text rules |" in line)
    assert "(n=500)" in result.stdout
    assert float(row.split("|")[2].strip().rstrip("%")) >= 95.0


def test_review_sheet_and_intent_check_from_hand_labels(pairs: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text("# id\tintent\n1\tcomplaint\n2\tpraise\n99\tquestion\n", encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    result = CliRunner().invoke(
        app, ["eval", "--data", str(pairs), "--labels", str(labels), "--sheet", str(sheet)]
    )
    assert result.exit_code == 0, result.output
    assert "## Intent: triage against 2 hand-labelled tweets (labels.tsv)" in result.stdout
    assert "| complaint | 1 | 0 | 0 | 0 | 100.0% |" in result.stdout
    assert "| praise | 0 | 0 | 1 | 0 | 100.0% |" in result.stdout
    with sheet.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["inbound_id"] for r in rows] == ["1", "2"]
    assert rows[0]["post"] == PAIRS[0]["inbound_text"]
    assert rows[0]["real_reply"] == PAIRS[0]["reply_text"]
    assert rows[0]["draft"] and all(r["verdict"] == "" for r in rows)


def test_a_reply_names_a_detail_when_it_shares_an_uncommon_word_or_code() -> None:
    post = "@parcelly my order PX-48213 never arrived and the tracking hasn't moved"
    assert names_a_detail(post, "Sorry the tracking hasn't moved. DM us?")
    assert names_a_detail(post, "Can you DM us about PX-48213?")
    assert not names_a_detail(post, "Thanks for telling us. Please DM us your order number.")
    assert not names_a_detail("", "anything")
    assert "px-48213" in detail_words(post) or "48213" in detail_words(post)


def test_intent_check_scores_each_class() -> None:
    check = IntentCheck()
    for truth, predicted in [("complaint", "complaint")] * 3 + [("question", "complaint")]:
        check.add(truth, predicted)
    check.add("other", "praise")  # not one of the four intents: not counted
    assert check.n == 4
    assert check.precision("complaint") == 0.75 and check.recall("complaint") == 1.0
    assert check.recall("question") == 0.0
    assert 0.4 < check.macro_f1 < 0.5  # (0.857 + 0) / 2
