"""Operations jobs driven by a fake clock: target pings, handoffs, spikes, digest, retention."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.cases import note
from bot.core.clock import FakeClock
from bot.core.jobs import check_targets, daily_digest, handoff, retention, spike_check
from bot.core.models import Case, CaseState, CrisisState, Intent, Network, Priority, Triage
from bot.core.oncall import Override, Roster, Rotation
from bot.core.sla import SlaPolicy
from tests.conftest import make_mention
from tests.shared_data import complaint_burst

ROTATION = Rotation.from_config(
    {
        "timezone": "Europe/Berlin",
        "members": ["U01AAA", "U02BBB", "U03CCC"],
        "shift_hours": 8,
        "start": "2026-01-05T08:00:00",
        "usergroup": "S0ONCALL",
    }
)


@dataclass
class RecordingNotifier:
    clock: FakeClock
    sent: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # at, kind, to, text

    def thread(self, case: Case, text: str) -> None:
        self.sent.append((self.clock.now(), "thread", case.id, text))

    def direct(self, user: str, text: str) -> None:
        self.sent.append((self.clock.now(), "direct", user, text))

    def channel(self, text: str) -> None:
        self.sent.append((self.clock.now(), "channel", "", text))


@dataclass
class DictLedger:
    marks: dict[str, datetime] = field(default_factory=dict)

    def seen(self, key: str) -> bool:
        return key in self.marks

    def mark(self, key: str, at: datetime, detail: str = "") -> None:
        self.marks.setdefault(key, at)


def add_case(store, mention, at, state=CaseState.IN_REVIEW, negative=False) -> Case:
    triage = Triage(
        Intent.COMPLAINT if negative else Intent.QUESTION,
        -0.6 if negative else 0.1,
        Priority.NORMAL,
        "en",
        "general",
    )
    case = Case(mention.case_id, mention, state, at, at, triage=triage)
    assert store.add_case(case, note(case, at=at, actor="system", action="created"))
    return case


@pytest.mark.slow
def test_target_pings_and_breaches_fire_once_each_in_order_over_a_day_of_500(store):
    start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    clock = FakeClock(start)
    notifier = RecordingNotifier(clock)
    roster, sla, rng = Roster(ROTATION), SlaPolicy(), random.Random(500)
    networks = [Network.X, Network.BLUESKY, Network.MASTODON]
    arrivals = sorted(
        (start + timedelta(seconds=rng.uniform(0, 86_400 - 3 * 3600)), str(i)) for i in range(500)
    )
    answer_at = {}  # case id -> when the team publishes (None: never)
    for at, ext in arrivals:
        net = rng.choice(networks)
        target = sla.target(net)
        answer_at[f"{net.value}:{ext}"] = (
            net,
            at,
            rng.choice([None, *(at + target * f for f in (0.2, 0.4, 0.7, 0.9, 1.5))]),
        )
    pending = sorted(answer_at.items(), key=lambda kv: kv[1][1])
    answers = sorted((done, cid) for cid, (_, _, done) in answer_at.items() if done is not None)
    fired = []
    while clock.now() < start + timedelta(hours=24):
        now = clock.now()
        while pending and pending[0][1][1] <= now:
            cid, (net, at, _) = pending.pop(0)
            mention = make_mention(cid.split(":")[1], network=net, minutes_ago=0, now=at)
            add_case(store, mention, now)
        while answers and answers[0][0] <= now:
            _, cid = answers.pop(0)
            case = store.get_case(cid)
            assert case is not None and case.state is CaseState.IN_REVIEW
            answered = case.evolve(state=CaseState.PUBLISHED, published_at=now)
            store.save_case(answered, None)  # out of the queue
        fired += [
            (now, cid, flag) for cid, flag in check_targets(store, notifier, clock, sla, roster)
        ]
        clock.advance(minutes=1)

    # what should have happened, computed from the plan alone
    expected = []
    for cid, (net, at, done) in answer_at.items():
        target = sla.target(net)
        for flag, share in (("sla50", 0.5), ("sla100", 1.0)):
            due = at + target * share
            check = start + timedelta(
                minutes=-(-(due - start) // timedelta(minutes=1))
            )  # next minute
            if check < start + timedelta(hours=24) and (done is None or done > check):
                expected.append((check, cid, flag))
    assert sorted(fired) == sorted(expected)
    assert fired == sorted(fired, key=lambda f: f[0])
    assert len(fired) == len(set((c, f) for _, c, f in fired))  # once each
    assert 150 < len(fired) < 1000
    by_case = {}
    for _, cid, flag in fired:
        by_case.setdefault(cid, []).append(flag)
    assert all(flags in (["sla50"], ["sla50", "sla100"]) for flags in by_case.values())
    # the messages went to the person on call at that moment, and the flags were stored
    threads = [s for s in notifier.sent if s[1] == "thread"]
    dms = [s for s in notifier.sent if s[1] == "direct"]
    assert len(threads) == sum(f == "sla50" for _, _, f in fired)
    assert len(dms) == sum(f == "sla100" for _, _, f in fired)
    assert all(f"<@{roster.who_at(at)}>" in text for at, _, _, text in threads)
    assert all(to == roster.who_at(at) for at, _, to, _ in dms)
    breached = [c for c in store.cases() if "breached" in c.flags]
    assert {c.id for c in breached} == {cid for _, cid, f in fired if f == "sla100"}
    assert [a.action for a in store.audit(breached[0].id)][-2:] == ["sla50", "sla100"]


def test_targets_survive_a_restart_and_skip_approved_cases(store):
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    notifier, roster, sla = RecordingNotifier(clock), Roster(ROTATION), SlaPolicy()
    late = add_case(store, make_mention("1", minutes_ago=40), clock.now())
    add_case(store, make_mention("2", minutes_ago=40), clock.now(), state=CaseState.APPROVED)
    assert check_targets(store, notifier, clock, sla, roster) == [
        (late.id, "sla50"),
        (late.id, "sla100"),
    ]
    assert check_targets(store, notifier, clock, sla, roster) == []
    assert check_targets(store, RecordingNotifier(clock), clock, sla, roster) == []
    assert [kind for _, kind, _, _ in notifier.sent] == ["thread", "direct"]


def test_a_failing_message_is_retried_next_time(store):
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    add_case(store, make_mention("1", minutes_ago=20), clock.now())

    class Down(RecordingNotifier):
        def thread(self, case: Case, text: str) -> None:
            raise ConnectionError("slack down")

    with pytest.raises(ConnectionError):
        check_targets(store, Down(clock), clock, SlaPolicy(), Roster(ROTATION))
    notifier = RecordingNotifier(clock)
    assert check_targets(store, notifier, clock, SlaPolicy(), Roster(ROTATION)) == [
        ("x:1", "sla50")
    ]


def test_four_weeks_of_handoffs_each_digest_sent_once_to_the_incoming_person(store):
    start = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)  # the spring clock change is on 03-29
    clock = FakeClock(start)
    notifier, ledger = RecordingNotifier(clock), DictLedger()
    cover = Override(
        "U09COVER", datetime(2026, 3, 20, 10, tzinfo=UTC), datetime(2026, 3, 20, 12, tzinfo=UTC)
    )
    roster = Roster(ROTATION, lambda: [cover])
    add_case(store, make_mention("1", minutes_ago=20, now=start), start)
    groups: list[tuple[datetime, str, str]] = []
    crisis = CrisisState(True, "outage", "U01AAA", start)
    while clock.now() < start + timedelta(weeks=4):
        handoff(
            store,
            notifier,
            clock,
            SlaPolicy(),
            roster,
            ledger,
            crisis=lambda: crisis,
            set_usergroup=lambda g, u: groups.append((clock.now(), g, u)),
        )
        clock.advance(minutes=5)
    expected = roster.handoffs(start, start + timedelta(weeks=4) - timedelta(minutes=5))
    digests = [s for s in notifier.sent if s[1] == "direct"]
    assert [(at, to) for at, _, to, _ in digests] == [(h.at, h.incoming) for h in expected]
    assert len(expected) == 4 * 7 * 3 + 2  # three shifts a day, plus the cover's two
    assert [(at, u) for at, _, u in groups] == [(h.at, h.incoming) for h in expected]
    assert all(g == "S0ONCALL" for _, g, _ in groups)
    text = digests[0][3]
    assert "Open cases: 1" in text and "late: 1" in text and "Crisis mode is ON" in text


def test_spike_check_alerts_once_per_cooldown_with_real_complaints(store):
    rows = [r for r in complaint_burst() if r["is_complaint"]]
    start = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    clock = FakeClock(start)
    notifier, ledger, roster = RecordingNotifier(clock), DictLedger(), Roster(ROTATION)
    for i, row in enumerate(rows):
        at = start + timedelta(seconds=10 * i)
        m = make_mention(row["id"], text=row["text"], minutes_ago=0, now=at)
        add_case(store, m, at, negative=True)
    alerts = []
    for _ in range(30):
        clock.advance(minutes=1)
        alerts.append(spike_check(store, notifier, clock, roster, ledger))
    fired = [a for a in alerts if a is not None]
    assert len(fired) == 1 and fired[0].at <= start + timedelta(minutes=2)
    kinds = [(kind, to) for _, kind, to, _ in notifier.sent]
    assert kinds == [("direct", roster.who_at(fired[0].at)), ("channel", "")]
    assert "Common words" in notifier.sent[0][3]


def test_daily_digest_once_a_day_after_the_hour(store):
    clock = FakeClock(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))  # 07:00 Berlin
    notifier, ledger, roster = RecordingNotifier(clock), DictLedger(), Roster(ROTATION)
    mention = make_mention("1", minutes_ago=60, now=clock.now())
    case = add_case(store, mention, clock.now())
    store.save_case(
        case.evolve(state=CaseState.PUBLISHED, published_at=clock.now(), approved_by="U02BBB"), None
    )
    sent = []
    for _ in range(30):
        sent.append(daily_digest(store, notifier, clock, SlaPolicy(), roster, ledger))
        clock.advance(hours=1)
    assert sent.count(True) == 2 and sent.index(True) == 2  # 09:00 Berlin, then next day
    assert "1 mentions, 1 answered; median first reply 1h 00m" in notifier.sent[0][3]


def test_retention_passes_the_cutoff_and_zero_days_keeps_everything():
    clock = FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    cutoffs = []
    assert retention(lambda c: cutoffs.append(c) or {"cases": 3}, clock, 90) == {"cases": 3}
    assert cutoffs == [clock.now() - timedelta(days=90)]
    assert retention(lambda c: cutoffs.append(c) or {}, clock, 0) == {}
    assert len(cutoffs) == 1


def test_customer_text_in_a_digest_cannot_ping_the_channel(store):
    clock = FakeClock(datetime(2026, 11, 25, 7, 0, 30, tzinfo=UTC))  # just after 08:00 Berlin
    notifier, roster = RecordingNotifier(clock), Roster(ROTATION)
    add_case(
        store,
        make_mention("1", text="<!channel> <@U01AAA> refund now", minutes_ago=20, now=clock.now()),
        clock.now(),
    )
    handoff(store, notifier, clock, SlaPolicy(), roster, DictLedger())
    [(_, kind, to, text)] = notifier.sent
    assert (kind, to) == ("direct", "U01AAA")
    assert "‹!channel› ‹@U01AAA› refund now" in text and "<!" not in text
