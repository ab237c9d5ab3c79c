"""Reports: figures computed by hand on a small set of cases, and the renderings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import AuditEntry, Case, CaseState, Draft, Network
from bot.core.reports import build_report, nearest_rank, to_csv, to_markdown, to_text
from bot.core.sla import SlaPolicy
from tests.conftest import make_mention

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)


def case(
    cid: str,
    *,
    network: Network = Network.X,
    posted_min_ago: float = 600,
    reply_after_min: float | None = None,
    state: CaseState | None = None,
    approver: str | None = "U1",
    flags: tuple[str, ...] = (),
) -> Case:
    mention = make_mention(cid, network=network, minutes_ago=posted_min_ago, now=NOW)
    published = None
    if reply_after_min is not None:
        published = mention.created_at + timedelta(minutes=reply_after_min)
    state = state or (CaseState.PUBLISHED if published else CaseState.IN_REVIEW)
    return Case(
        f"{network.value}:{cid}",
        mention,
        state,
        mention.created_at,
        mention.created_at,
        draft_id=f"d-{cid}",
        approved_by=approver if published else None,
        published_at=published,
        flags=flags,
    )


def draft(cid: str, drafter: str = "offline", edited_from: str | None = None) -> Draft:
    return Draft(f"d-{cid}", f"x:{cid}", "Thanks!", drafter, NOW, edited_from=edited_from)


CASES = [
    case("1", reply_after_min=10),  # X, 30 min target: in time
    case("2", reply_after_min=45, approver="U2"),  # X: late
    case("3", reply_after_min=90, network=Network.BLUESKY),  # 2 h target: in time
    case("4", reply_after_min=600, network=Network.MASTODON, approver="U2"),  # late, same day
    case("5"),  # open for 10 h: unanswered, breached
    case("6", state=CaseState.DISMISSED),  # spam: not counted as needing a reply
    case("7", state=CaseState.EXPIRED, network=Network.BLUESKY),
    case("8", posted_min_ago=60 * 24 * 8, reply_after_min=5),  # before the period
]
DRAFTS = {
    "d-1": draft("1"),
    "d-2": draft("2", drafter="human:U2", edited_from="d-x"),
    "d-3": draft("3", drafter="openai:gpt-4o-mini"),
    "d-4": draft("4", edited_from="d-older"),
}


def report():
    return build_report(CASES, DRAFTS, since=SINCE, until=NOW, sla=SlaPolicy())


def test_overall_figures_match_a_hand_count():
    f = report().overall
    assert (f.mentions, f.needing_reply, f.answered) == (7, 6, 4)
    assert f.median_seconds == (45 + 90) / 2 * 60
    assert f.p90_seconds == 600 * 60
    assert (f.within_30m, f.within_2h, f.within_day) == (1 / 6, 3 / 6, 4 / 6)
    assert f.unanswered_rate == 2 / 6
    assert (f.unedited, f.unedited_share) == (2, 2 / 4)
    assert f.breached == 4  # 2 and 4 late, 5 and 7 never answered


def test_per_network_and_per_person():
    r = report()
    assert sorted(r.by_network) == ["bluesky", "mastodon", "x"]
    assert r.by_network["x"].answered == 2 and r.by_network["x"].breached == 2
    assert r.by_network["bluesky"].unanswered_rate == 0.5
    assert sorted(r.by_person) == ["U1", "U2"]
    assert r.by_person["U2"].answered == 2 and r.by_person["U2"].median_seconds == (45 + 600) * 30
    assert r.by_person["U1"].unedited == 2


def test_approver_falls_back_to_the_audit_trail():
    lone = case("9", reply_after_min=3, approver=None)
    row = AuditEntry(lone.id, NOW, "U7", "transition", "in_review", "approved")
    r = build_report([lone], {}, since=SINCE, until=NOW, sla=SlaPolicy(), audit=lambda _: [row])
    assert list(r.by_person) == ["U7"]


def test_breached_flag_counts_even_when_answered_in_time():
    flagged = case("10", reply_after_min=1, flags=("sla50", "sla100", "breached"))
    r = build_report([flagged], {}, since=SINCE, until=NOW, sla=SlaPolicy())
    assert r.overall.breached == 1


def test_markdown_and_csv_carry_the_same_figures():
    r = report()
    md = to_markdown(r)
    assert "| **all** | 7 | 4 | 1h 07m | 10h 00m | 17% | 50% | 67% | 33% | 2 (50%) | 4 |" in md
    assert "| person: U2 |" in md and "| network: mastodon |" in md
    rows = list(csv.DictReader(io.StringIO(to_csv(r))))
    assert [(x["scope"], x["name"]) for x in rows][:2] == [("all", "all"), ("network", "bluesky")]
    assert float(rows[0]["p90_seconds"]) == 36000.0 and rows[0]["breached"] == "4"
    assert "median first reply 1h 07m" in to_text(r.overall)


def test_empty_period_has_no_figures_not_zeroes():
    r = build_report([], {}, since=SINCE, until=NOW, sla=SlaPolicy())
    assert r.overall.median_seconds is None and r.overall.unanswered_rate is None
    assert "| **all** | 0 | 0 | – | – | – |" in to_markdown(r)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50), st.floats(0.01, 1.0))
def test_nearest_rank_is_a_member_with_enough_values_below(values, share):
    p = nearest_rank(values, share)
    assert p in values
    assert sum(v <= p for v in values) >= share * len(values) - 1e-9
