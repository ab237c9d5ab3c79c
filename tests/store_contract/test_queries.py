"""The read side (CareQueries) on both stores: each answer is what the surfaces show,
read by indexed SQL (bot/adapters/sqlite/_queries.py runs on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.models import CaseState, Draft, Network
from bot.core.post_urls import parse_post_url
from tests.conftest import make_mention
from tests.core.test_jobs import add_case

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def fill(store: Any) -> None:
    """Cases in review posted 10 min, 40 min and 3 h ago on X, one failed, two approved
    today by UANA (one published with an edited draft) and one yesterday by UBEN."""
    for n, minutes in (("1", 10), ("2", 40), ("3", 180)):
        add_case(store, make_mention(n, minutes_ago=minutes, now=NOW), NOW)
    add_case(store, make_mention("4", minutes_ago=300, now=NOW), NOW, state=CaseState.FAILED)
    for n, who, at, state in (
        ("5", "UANA", NOW - timedelta(hours=1), CaseState.PUBLISHED),
        ("6", "UANA", NOW - timedelta(hours=2), CaseState.APPROVED),
        ("7", "UBEN", NOW - timedelta(days=1), CaseState.PUBLISHED),
    ):
        case = add_case(store, make_mention(n, minutes_ago=30, now=at), at, state=state)
        published = at if state is CaseState.PUBLISHED else None
        draft = Draft(f"d{n}", case.id, "Thanks!", "human:UANA" if n == "5" else "offline", at)
        store.add_draft(draft)
        store.save_case(
            case.evolve(approved_by=who, published_at=published, draft_id=draft.id, updated_at=at),
            None,
        )


def test_queue_counts_and_the_oldest_waiting(store: Any) -> None:
    fill(store)
    queries = store.queries
    open_states = (CaseState.IN_REVIEW, CaseState.FAILED, CaseState.APPROVED)
    assert queries.count_by_state(open_states) == {
        CaseState.IN_REVIEW: 3,
        CaseState.FAILED: 1,
        CaseState.APPROVED: 1,
    }
    waiting = (CaseState.IN_REVIEW, CaseState.FAILED)
    assert [c.id for c in queries.oldest(waiting, 2)] == ["x:4", "x:3"]
    review = [CaseState.IN_REVIEW]
    assert queries.count_posted_before(review, Network.X, NOW - timedelta(minutes=30)) == 2
    assert queries.count_posted_before(review, Network.BLUESKY, NOW) == 0


def test_approvals_since_midnight_by_person_most_first(store: Any) -> None:
    fill(store)
    queries = store.queries
    assert queries.approvers_since(MIDNIGHT) == [("UANA", 2)]
    assert [c.id for c in queries.approved_by("UANA", MIDNIGHT, 1)] == ["x:6"]
    assert [c.id for c in queries.approved_by("UBEN", MIDNIGHT - timedelta(days=2), 5)] == ["x:7"]


def test_a_case_is_found_by_its_posts_link_and_cases_by_a_missing_flag(store: Any) -> None:
    fill(store)
    found = store.queries.case_for_link("https://x.com/maria_g/status/2/", None)
    assert found is not None and found.id == "x:2"
    ref = parse_post_url("https://twitter.com/maria_g/status/3")
    assert store.queries.case_for_link("https://twitter.com/maria_g/status/3", ref).id == "x:3"
    assert store.queries.case_for_link("https://x.com/maria_g/status/99", None) is None
    flagged = store.get_case("x:1").with_flag("sla100")
    store.save_case(flagged, None)
    ids = [c.id for c in store.cases_lacking([CaseState.IN_REVIEW], "sla100")]
    assert ids == ["x:3", "x:2"]
