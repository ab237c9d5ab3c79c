"""The sample mentions (bot/samples/mentions.jsonl) that the demo and tests feed the loop."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.files._jsonl import mention_from_inbox
from bot.core.intake import problem_with
from bot.core.models import Intent, Mention, Network, Triage
from bot.core.triage import triage

SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples" / "mentions.jsonl"
REQUIRED = {"network", "id", "author", "author_name", "text", "created_at", "url", "in_reply_to"}
OPTIONAL = {"context", "summoned", "meta"}
BRAND = {
    "x": "@parcelly",
    "bluesky": "@parcelly.bsky.social",
    "mastodon": "@parcelly@mastodon.social",
    "threads": "@parcelly",
}
COMMENTS = {"facebook", "instagram"}  # under the brand's own posts: addressed by place
ANCHOR = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _rows() -> list[dict[str, Any]]:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


ROWS = _rows()


def _mentions() -> list[Mention]:
    return [mention_from_inbox(row) for row in ROWS]


def test_there_are_at_least_forty_samples_one_object_per_line() -> None:
    assert len(ROWS) >= 40
    assert all(isinstance(row, dict) for row in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['network']}-{row['id']}")
def test_each_sample_has_exactly_the_documented_fields(row: dict[str, Any]) -> None:
    assert row.keys() >= REQUIRED
    assert row.keys() - REQUIRED <= OPTIONAL
    assert row["network"] in {network.value for network in Network}
    for key in ("id", "author", "author_name", "text", "url"):
        assert isinstance(row[key], str) and row[key].strip(), key
    assert not row["author"].startswith("@")
    assert row["in_reply_to"] is None or isinstance(row["in_reply_to"], str)
    assert all(isinstance(post, str) for post in row.get("context", []))
    assert isinstance(row.get("summoned", True), bool)
    assert all(isinstance(v, str) for v in row.get("meta", {}).values())


def test_ids_are_unique() -> None:
    ids = Counter((row["network"], row["id"]) for row in ROWS)
    assert [key for key, count in ids.items() if count > 1] == []
    assert len({row["url"] for row in ROWS}) == len(ROWS)


def test_every_network_is_represented_the_first_three_well() -> None:
    per_network = Counter(row["network"] for row in ROWS)
    assert set(per_network) == {network.value for network in Network}
    assert min(per_network[n] for n in ("x", "bluesky", "mastodon")) >= 10
    assert min(per_network.values()) >= 4


def test_times_are_utc_and_spread_over_the_six_hours_before_the_anchor() -> None:
    times = [row["created_at"] for row in ROWS]
    assert all(t.endswith("Z") for t in times)
    parsed = sorted(datetime.fromisoformat(t) for t in times)
    assert parsed[0] >= ANCHOR - timedelta(hours=6)
    assert parsed[-1] <= ANCHOR
    assert parsed[-1] - parsed[0] >= timedelta(hours=5)


def test_every_sample_becomes_a_mention_the_loop_accepts() -> None:
    mentions = _mentions()
    assert [m.case_id for m in mentions if problem_with(m) is not None] == []
    assert {m.network for m in mentions} == set(Network)


def test_network_reply_data_is_present() -> None:
    for row in ROWS:
        meta = row.get("meta", {})
        if row["network"] == "bluesky":
            assert meta["uri"].startswith("at://did:plc:")
            assert meta["uri"].endswith("/app.bsky.feed.post/" + row["id"])
            assert meta["cid"].startswith("bafy")
        if row["network"] == "mastodon":
            assert meta["visibility"] in {"public", "unlisted", "private", "direct"}


def test_summoned_posts_address_the_brand_and_listening_ones_do_not() -> None:
    for row in ROWS:
        addressed = row["network"] in COMMENTS or BRAND[row["network"]] in row["text"]
        assert addressed == row.get("summoned", True), row["id"]
    listening = [row for row in ROWS if row.get("summoned") is False]
    assert [row["network"] for row in listening] == ["x"]


def test_the_hard_cases_are_there() -> None:
    texts = [row["text"] for row in ROWS]
    injected = [t for t in texts if "<!channel>" in t]
    assert injected and "ignore previous instructions" in injected[0]
    assert "http://evil.example" in injected[0]
    long_ones = [r for r in ROWS if r["network"] == "mastodon" and len(r["text"]) >= 1400]
    assert long_ones, "an over-long Mastodon post"
    shouting = [t for t in texts if sum(c.isupper() for c in t) > 0.6 * sum(c.isalpha() for c in t)]
    assert shouting, "an angry one in caps"
    assert any("¿" in t or " mi paquete " in t for t in texts), "a Spanish one"
    assert any(" mein Paket " in t for t in texts), "a German one"


def test_thread_replies_carry_their_context_and_parent() -> None:
    threads = [row for row in ROWS if row.get("context")]
    assert {row["network"] for row in threads} >= {"x", "bluesky"}
    for row in threads:
        assert row["in_reply_to"], row["id"]
        assert len(row["context"]) >= 2
    bluesky = next(row for row in threads if row["network"] == "bluesky")
    assert bluesky["meta"]["root_uri"].startswith("at://")
    assert bluesky["meta"]["parent_uri"].endswith("/" + bluesky["in_reply_to"])


def _triaged() -> list[tuple[dict[str, Any], Triage]]:
    return [(row, triage(m)) for row, m in zip(ROWS, _mentions(), strict=True)]


def test_triage_finds_all_five_intents_across_the_samples() -> None:
    intents = Counter(t.intent for _, t in _triaged())
    assert set(intents) == set(Intent)
    assert intents[Intent.COMPLAINT] >= 10


def test_every_network_has_complaints_questions_and_praise() -> None:
    for network in Network:
        intents = {t.intent for row, t in _triaged() if row["network"] == network.value}
        assert intents >= {Intent.COMPLAINT, Intent.QUESTION, Intent.PRAISE}, network


def test_triage_reads_the_hard_cases_as_intended() -> None:
    by_text = {row["text"]: t for row, t in _triaged()}
    spanish = next(t for text, t in by_text.items() if " mi paquete " in text)
    german = next(t for text, t in by_text.items() if " mein Paket " in text)
    assert (spanish.language, german.language) == ("es", "de")
    giveaways = [t for text, t in by_text.items() if "GIVEAWAY" in text]
    assert giveaways and all(t.intent is Intent.SPAM for t in giveaways)
    shouting = next(t for text, t in by_text.items() if "ABSOLUTELY UNACCEPTABLE" in text)
    assert shouting.intent is Intent.COMPLAINT
