"""The report read from the store (counts and ranked reply times in SQL, on both stores)
has the very figures the core works out of the whole cases (bot/core/reports.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.models import AuditEntry, Case, CaseState, Draft, Network, ReportTally
from bot.core.report_reads import ALL, load_report
from bot.core.reports import BUCKETS, build_report
from bot.core.sla import SlaPolicy
from tests.conftest import make_mention
from tests.store_contract.test_queries import NOW, fill

SINCE = NOW - timedelta(days=7)
STATES = (
    CaseState.PUBLISHED,
    CaseState.PUBLISHED,
    CaseState.PUBLISHED,
    CaseState.IN_REVIEW,
    CaseState.DISMISSED,
    CaseState.EXPIRED,
    CaseState.APPROVED,
    CaseState.FAILED,
)
# Replies on the edges of the 30 min / 2 h / same-day limits and of the targets, and a
# reply stamped before its post (counted as 0 s).
DELAYS = (-60, 0, 1799, 1800, 1801, 7200, 7201, 86_400, 86_401, 90_000, 400, 3600)


def random_cases(store: Any, rng: random.Random, count: int) -> tuple[list[Case], dict[str, Draft]]:
    """Cases on every network, posted on both sides of the period's edges, published by a
    few people (or by someone the audit names, or by nobody on record), their drafts as
    drafted, edited or written by a person, some flagged breached by the target check."""
    cases, drafts = [], {}
    for n in range(count):
        network = rng.choice(list(Network))
        posted = rng.choice(
            [SINCE, NOW, SINCE - timedelta(seconds=1), NOW - timedelta(seconds=1)]
            + [NOW - timedelta(seconds=rng.randrange(8 * 86_400))] * 6
        )
        mention = make_mention(f"{n}", network=network, minutes_ago=0, now=posted)
        state = rng.choice(STATES)
        case = Case(mention.case_id, mention, CaseState.IN_REVIEW, posted, posted)
        assert store.add_case(case)
        draft = Draft(f"d{n}", case.id, "Thanks!", rng.choice(["offline", "human:U9"]), posted)
        if rng.random() < 0.3:
            draft = Draft(draft.id, case.id, "Thanks!", draft.drafter, posted, edited_from="d0")
        if rng.random() < 0.9:
            store.add_draft(draft)
            drafts[draft.id] = draft
        approver = rng.choice(["UANA", "UBEN", "UCARO", None, None])
        audit = None
        if state is CaseState.PUBLISHED and approver is None and rng.random() < 0.5:
            audit = AuditEntry(case.id, posted, "UDEV", "transition", "in_review", "approved")
        published = None
        if state is CaseState.PUBLISHED:
            published = posted + timedelta(seconds=rng.choice(DELAYS))
        flags = ("sla50", "sla100", "breached") if rng.random() < 0.2 else ()
        case = case.evolve(
            state=state,
            approved_by=approver if state is CaseState.PUBLISHED else None,
            published_at=published,
            draft_id=draft.id,
            flags=flags,
        )
        store.save_case(case, audit)
        cases.append(case)
    return cases, drafts


@pytest.mark.parametrize("seed", [1, 2])
def test_the_report_from_the_store_has_the_figures_of_the_whole_cases(
    store: Any, seed: int
) -> None:
    cases, drafts = random_cases(store, random.Random(seed), 300)
    for sla in (SlaPolicy(), SlaPolicy.from_minutes({"x": 90, "threads": 1})):
        expected = build_report(cases, drafts, since=SINCE, until=NOW, sla=sla, audit=store.audit)
        assert load_report(store.queries, SINCE, NOW, sla) == expected
        assert expected.overall.answered > 20 and len(expected.by_person) >= 4


def test_an_empty_period_reads_as_no_figures(store: Any) -> None:
    fill(store)
    later = NOW + timedelta(days=30)
    report = load_report(store.queries, later, later + timedelta(days=7), SlaPolicy())
    expected = build_report([], {}, since=later, until=later + timedelta(days=7), sla=SlaPolicy())
    assert report == expected and report.overall.median_seconds is None


def test_tallies_count_per_network_and_approver(store: Any) -> None:
    fill(store)  # x:5 published by UANA 30 min after its post (a person's draft)
    limits = [limit.total_seconds() for _, limit in BUCKETS]
    tallies = store.queries.report_tallies(
        NOW - timedelta(hours=3), NOW, limits, {network: 1800.0 for network in Network}
    )
    assert sorted(tallies, key=lambda t: t[1] or "") == [
        # three in review (10, 40 and 180 min old) and x:6 approved 2.5 h after its post,
        # not yet published: all but the 10-min-old past a 30-min target
        (Network.X, None, ReportTally(4, 4, 0, 0, (0, 0, 0), 0, 3)),
        (Network.X, "UANA", ReportTally(1, 1, 1, 1, (1, 1, 1), 0, 0)),
    ]


def test_reply_times_are_read_at_the_ranks_asked_for(store: Any) -> None:
    fill(store)
    at = datetime(2026, 11, 26, tzinfo=UTC)
    times = store.queries.reply_times_at(
        at - timedelta(days=3), at, {ALL: (1, 2), ("person", "UBEN"): (1,), ("network", "x"): (3,)}
    )
    assert times == {(ALL, 1): 1800.0, (ALL, 2): 1800.0, (("person", "UBEN"), 1): 1800.0}
