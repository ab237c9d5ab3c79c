"""The real tweet corpora live beside the project (../shared/data), never in it.

Tests that replay them read them by path and skip, saying why, when they are absent:
the suite passes on a clean clone, and runs them wherever the data is present (CI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COMPLAINTS = SHARED_DATA / "complaints" / "complaints.jsonl"
RANDOM_DOMAINS = ("random_tweet", "random_reply")


def complaints() -> list[dict[str, Any]]:
    """Labelled tweets (Preoţiuc-Pietro, Găman and Aletras, ACL 2019): id, text,
    is_complaint, domain."""
    if not COMPLAINTS.exists():
        pytest.skip(f"labelled complaints not present at {COMPLAINTS}")
    return [json.loads(line) for line in COMPLAINTS.read_text(encoding="utf-8").splitlines()]


def complaint_burst() -> list[dict[str, Any]]:
    """The first 60 complaints and the first 40 other tweets, in file order."""
    rows = complaints()
    return [r for r in rows if r["is_complaint"]][:60] + [r for r in rows if not r["is_complaint"]][
        :40
    ]


def complaint_sample() -> list[dict[str, Any]]:
    """70 tweets: every 25th complaint (30), every 12th non-complaint addressed to a brand
    (20), every 65th random tweet or reply (20)."""
    rows = complaints()
    to_brands = [r for r in rows if r["domain"] not in RANDOM_DOMAINS]
    return (
        [r for r in to_brands if r["is_complaint"]][::25][:30]
        + [r for r in to_brands if not r["is_complaint"]][::12][:20]
        + [r for r in rows if r["domain"] in RANDOM_DOMAINS][::65][:20]
    )
