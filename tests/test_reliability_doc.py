"""docs/reliability.md stays true: every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_the_reliability_table_names_exists() -> None:
    doc = (ROOT / "docs" / "reliability.md").read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", doc)
    assert len(named) >= 20
    missing = []
    for path, function in named:
        source = ROOT / path
        if not source.is_file() or (function and f"def {function}(" not in source.read_text()):
            missing.append(f"{path}::{function}" if function else path)
    assert missing == []
    rows = [line for line in doc.splitlines() if line.startswith("| ") and "---" not in line]
    assert all(line.count("`tests/") for line in rows[1:]), "a row without its test"
