"""The linter agrees with a person's verdicts: on replies written for careops (always)
and on real brand replies of the twcs sample (when the corpus is beside the project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.training.linter import TEXT_RULES, agreement, read_twcs, read_written
from tests.shared_data import SHARED_DATA

WRITTEN = Path(__file__).resolve().parents[1] / "fixtures" / "linter" / "replies.jsonl"
PAIRS = SHARED_DATA / "twcs" / "pairs.jsonl"


def test_the_written_set_covers_both_verdicts_of_every_rule() -> None:
    rows = read_written(WRITTEN)
    assert len(rows) >= 60
    for rule in TEXT_RULES:
        verdicts = {row.verdicts[rule] for row in rows}
        assert verdicts == {True, False}, rule


@pytest.mark.parametrize("rule", TEXT_RULES)
def test_the_linter_agrees_with_the_written_verdicts(rule: str) -> None:
    result = agreement("written", read_written(WRITTEN))
    assert result.share(rule) >= 0.95, result.misses[rule]


def test_the_linter_agrees_with_verdicts_on_real_brand_replies() -> None:
    if not PAIRS.exists():
        pytest.skip(f"twcs pairs not present at {PAIRS}")
    seen, held_out = read_twcs(PAIRS)
    assert len(seen) + len(held_out) >= 150
    result = agreement("twcs", [*seen, *held_out])
    for rule in TEXT_RULES:
        assert result.share(rule) >= 0.95, (rule, result.misses[rule])
