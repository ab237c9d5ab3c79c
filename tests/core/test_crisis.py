"""Crisis: the spike detector on a replayed real burst of complaints, and grouping."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.crisis import (
    Observation,
    SpikeConfig,
    bulk_approve,
    common_words,
    detect_spike,
    group_similar,
    tokens,
)
from bot.core.crisis_groups import CaseGroup, CrisisGrouper, shared_pattern
from bot.core.models import Case, CaseState
from bot.core.review import ReviewOutcome
from tests.conftest import make_mention
from tests.shared_data import complaint_burst

DAY_START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
BURST_START = datetime(2026, 11, 25, 14, 3, 20, tzinfo=UTC)


def load() -> tuple[list[dict], list[dict]]:
    rows = complaint_burst()
    return [r for r in rows if r["is_complaint"]], [r for r in rows if not r["is_complaint"]]


def ordinary_day(start: datetime, count: int = 500, seed: int = 7) -> list[Observation]:
    """`count` mentions at random times over 24 h, about 30% complaints (real tweets)."""
    complaints, calm = load()
    rng = random.Random(seed)
    seen = []
    for _ in range(count):
        at = start + timedelta(seconds=rng.uniform(0, 86_400))
        row = rng.choice(complaints) if rng.random() < 0.3 else rng.choice(calm)
        seen.append(Observation(at, row["is_complaint"], row["text"]))
    return sorted(seen, key=lambda o: o.at)


def burst(start: datetime, rows: list[dict], minutes: float = 10) -> list[Observation]:
    """The rows replayed evenly over `minutes` starting at `start`."""
    step = timedelta(minutes=minutes) / len(rows)
    return [Observation(start + i * step, r["is_complaint"], r["text"]) for i, r in enumerate(rows)]


def first_alert(seen: list[Observation], since: datetime, until: datetime):
    """Run the detector once a minute, as the spike_check job does; first spike or None."""
    at = since
    while at <= until:
        spike = detect_spike([o for o in seen if o.at <= at], at)
        if spike:
            return spike
        at += timedelta(minutes=1)
    return None


def test_real_complaint_burst_alerts_within_two_minutes():
    complaints, _ = load()
    seen = ordinary_day(DAY_START) + burst(BURST_START, complaints)
    on_the_minute = BURST_START.replace(second=0) - timedelta(hours=2)
    spike = first_alert(seen, on_the_minute, BURST_START + timedelta(minutes=15))
    assert spike is not None
    assert BURST_START < spike.at <= BURST_START + timedelta(minutes=2)
    assert spike.negative_share > 0.8
    assert spike.baseline_negative_share < 0.45
    assert spike.count >= 10 and spike.count > 4 * spike.expected
    assert len(spike.samples) == 3 and all(
        s in {c["text"] for c in complaints} for s in spike.samples
    )
    assert spike.words and all(n > 1 for _, n in spike.words)
    assert "Possible crisis" in spike.summary() and spike.samples[0] in spike.summary()


def test_ordinary_days_never_alert():
    day2 = DAY_START + timedelta(days=1)
    for seed in (1, 2, 3):
        seen = ordinary_day(DAY_START, seed=seed) + ordinary_day(day2, seed=seed + 10)
        assert first_alert(seen, day2, day2 + timedelta(days=1)) is None


def test_a_burst_of_happy_mentions_is_busy_but_not_a_crisis():
    _, calm = load()
    seen = ordinary_day(DAY_START) + burst(BURST_START, calm + calm[:20])
    assert first_alert(seen, BURST_START, BURST_START + timedelta(minutes=15)) is None


def test_detector_needs_the_minimum_count_even_with_no_baseline():
    now = BURST_START
    few = [Observation(now - timedelta(seconds=i), True, "late again") for i in range(9)]
    assert detect_spike(few, now) is None
    assert detect_spike([*few, Observation(now, True, "late again")], now) is not None


@given(st.lists(st.tuples(st.integers(0, 600), st.booleans()), max_size=60), st.integers(1, 20))
def test_no_alert_below_min_count_in_window(points, min_count):
    now = BURST_START
    seen = [Observation(now - timedelta(seconds=s), neg, "x") for s, neg in points]
    config = SpikeConfig(min_count=min_count)
    spike = detect_spike(seen, now, config)
    in_window = [o for o in seen if now - config.window < o.at <= now]
    if len(in_window) < min_count:
        assert spike is None
    if spike is not None:
        assert spike.count == len(in_window) and spike.negative_share >= 0.5


def test_tokens_drop_links_handles_numbers_and_stop_words():
    text = "@British_Airways my bag is STILL lost after 3 days https://t.co/abc #fail"
    assert tokens(text) == ["bag", "lost", "days", "fail"]
    assert common_words(["lost bag", "bag lost again", "nice day"]) == (("bag", 2), ("lost", 2))


def test_group_similar_folds_repeats_of_the_same_complaint():
    items = [
        ("a", "@parcelly the app keeps crashing when I open tracking"),
        ("b", "@parcelly app crashing again when opening tracking!!"),
        ("c", "Where is my refund for order 5521?"),
        ("d", "the app keeps crashing when I open tracking https://t.co/x"),
        ("e", "refund for my order still missing"),
    ]
    assert group_similar(items) == [("a", "b", "d"), ("c", "e")]


@given(
    st.lists(
        st.tuples(st.uuids().map(str), st.text(max_size=80)), max_size=30, unique_by=lambda t: t[0]
    )
)
def test_group_similar_is_a_partition_in_order(items):
    groups = group_similar(items)
    flat = [i for g in groups for i in g]
    assert sorted(flat) == sorted(i for i, _ in items)
    assert [g[0] for g in groups] == [i for i, _ in items if i in {g[0] for g in groups}]


@given(st.text(max_size=200))
def test_tokens_never_keep_handles_or_links(text):
    for word in tokens(text + " @someone https://x.example/y"):
        assert "@" not in word and "://" not in word and word not in {"someone"}


def test_bulk_approve_counts_done_waiting_and_refused():
    def approve(case_id: str, user: str) -> ReviewOutcome:
        state = {"c1": CaseState.APPROVED, "c2": CaseState.IN_REVIEW}.get(case_id)
        if state is None:
            return ReviewOutcome(False, "Cannot approve a case that is dismissed.")
        case = _case(case_id, state)
        return ReviewOutcome(True, "ok", case, True)

    outcome = bulk_approve(approve, ["c1", "c2", "c3"], "U1")
    assert (outcome.approved, outcome.waiting) == (1, 1)
    assert outcome.refused == ("c3: Cannot approve a case that is dismissed.",)
    assert outcome.message == "1 approved, 1 waiting for a second approver, 1 not approved."


def _case(case_id: str, state: CaseState) -> Case:
    now = BURST_START
    return Case(case_id, make_mention(case_id), state, now, now)


@given(st.text(max_size=200))
def test_inert_text_has_no_markup_brackets_or_newlines(text):
    from bot.core.crisis import inert

    out = inert(text)
    assert "<" not in out and ">" not in out and "\n" not in out


# --- crisis groups as cases arrive -------------------------------------------------------


class MemoryGroups:
    """GroupRepo in memory: enough to drive CrisisGrouper."""

    def __init__(self) -> None:
        self.groups: dict[str, CaseGroup] = {}

    def group_of(self, case_id: str) -> CaseGroup | None:
        return next((g for g in self.groups.values() if case_id in g.members), None)

    def groups_since(self, since) -> list[CaseGroup]:
        return list(self.groups.values())

    def start_group(self, group: CaseGroup, at) -> None:
        self.groups[group.id] = group

    def join_group(self, group_id: str, case_id: str, at) -> CaseGroup:
        group = self.groups[group_id]
        self.groups[group_id] = CaseGroup(group.id, group.lead_text, (*group.members, case_id))
        return self.groups[group_id]


def waiting_case(external_id: str, text: str) -> Case:
    m = make_mention(external_id, text)
    return Case(m.case_id, m, CaseState.IN_REVIEW, m.created_at, m.created_at)


OUTAGE = "the tracking app is down again, cannot see my parcel {n}"


def grouper_with(cases: dict[str, Case], crisis: bool = True) -> tuple[CrisisGrouper, MemoryGroups]:
    from bot.core.clock import FakeClock

    repo = MemoryGroups()
    return CrisisGrouper(repo, cases.get, FakeClock(), lambda: crisis), repo


def test_similar_new_cases_join_the_leads_group_and_others_lead_their_own() -> None:
    cases = {}
    grouper, _ = grouper_with(cases)
    placed = []
    for n, text in enumerate(
        [OUTAGE.format(n=1), OUTAGE.format(n=2), "love the new logo", OUTAGE.format(n=3)]
    ):
        case = waiting_case(str(n), text)
        cases[case.id] = case
        placed.append(grouper.place(case))
    assert [len(g.members) for g in placed] == [1, 2, 1, 3]
    assert placed[3].members == ("x:0", "x:1", "x:3") and placed[2].members == ("x:2",)
    assert grouper.place(cases["x:1"]) == placed[3]  # remembered, not decided again


def test_nothing_is_grouped_with_crisis_mode_off_or_for_a_card_already_shown() -> None:
    case = waiting_case("1", OUTAGE.format(n=1))
    grouper, repo = grouper_with({case.id: case}, crisis=False)
    assert grouper.place(case) is None and repo.groups == {}
    grouper, repo = grouper_with({case.id: case})
    assert grouper.place(case.evolve(review_ref="C1/1.0")) is None


def test_a_group_whose_cases_are_all_done_takes_no_new_members() -> None:
    lead = waiting_case("1", OUTAGE.format(n=1))
    cases = {lead.id: lead}
    grouper, _ = grouper_with(cases)
    first = grouper.place(lead)
    cases[lead.id] = lead.evolve(state=CaseState.PUBLISHED)
    late = waiting_case("2", OUTAGE.format(n=2))
    cases[late.id] = late
    assert grouper.place(late).id != first.id


def test_shared_pattern_keeps_what_every_draft_says() -> None:
    lead = "Thanks Maria, we are on it: https://status.parcelly.example/"
    others = ["Thanks Tom, we are on it: https://status.parcelly.example/"]
    assert shared_pattern(lead, others) == "Thanks … we are on it: https://status.parcelly.example/"


@given(st.text(max_size=200), st.lists(st.text(max_size=200), max_size=5))
def test_shared_pattern_only_uses_the_leads_words(lead: str, others: list[str]) -> None:
    pattern = shared_pattern(lead, others)
    assert set(pattern.split()) <= set(lead.split()) | {"…"}
    assert "… …" not in pattern
    assert shared_pattern(lead, [lead]) == " ".join(lead.split())
