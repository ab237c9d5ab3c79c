"""Customers across cases and networks, wow moments and gestures, on both stores
(bot/adapters/sqlite/_people.py and _wow.py run the same SQL on SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.cases import note
from bot.core.models import Case, CaseState, Intent, Network, Priority, Triage
from bot.core.people import Person, parse_person
from bot.core.wow import Gesture, WowKind, WowMoment
from tests.conftest import make_mention

NOW = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
ALICE = Person(Network.X, "alice")


def add(store, n: int, *, author="alice", network=Network.X, days_ago=0.0, intent=Intent.PRAISE,
        topic="general", published_after: timedelta | None = None) -> Case:  # fmt: skip
    posted = NOW - timedelta(days=days_ago)
    mention = make_mention(str(n), network=network, author=author, now=posted, minutes_ago=0)
    triage = Triage(intent, 0.5, Priority.NORMAL, "en", topic)
    case = Case(mention.case_id, mention, CaseState.IN_REVIEW, posted, posted, triage=triage)
    if published_after is not None:
        case = case.evolve(state=CaseState.PUBLISHED, published_at=posted + published_after)
    assert store.add_case(case, note(case, at=posted, actor="system", action="created"))
    return case


def test_contacts_count_every_earlier_case_and_read_only_the_latest(store):
    for n in range(30):
        add(store, n, days_ago=30 - n)  # one a day, oldest first
    add(store, 99, author="bob")
    add(store, 98, network=Network.BLUESKY)  # alice on another network: another person
    contacts = store.people.contacts(ALICE, NOW - timedelta(days=5), 3)
    assert contacts.count == 25
    assert contacts.first_seen == NOW - timedelta(days=30)
    assert [c.case_id for c in contacts.recent] == ["x:24", "x:23", "x:22"]
    assert store.people.contacts(ALICE, NOW - timedelta(days=40), 3).count == 0


def test_a_past_case_says_what_it_was_about_and_how_fast_it_was_answered(store):
    add(store, 1, days_ago=14, intent=Intent.COMPLAINT, topic="refund",
        published_after=timedelta(minutes=12))  # fmt: skip
    [past] = store.people.contacts(ALICE, NOW, 5).recent
    assert (past.intent, past.topic, past.state) == (
        Intent.COMPLAINT,
        "refund",
        CaseState.PUBLISHED,
    )
    assert past.reply_seconds == 720


def test_links_join_groups_unlink_takes_one_out_and_a_lone_handle_is_no_link(store):
    handles = ("bluesky:alice.bsky.social", "mastodon:alice@toot.example", "x:al")
    bsky, masto, other = map(parse_person, handles)
    assert store.people.link([ALICE, bsky], "U1", NOW) == (bsky, ALICE)
    assert store.people.link([masto, other], "U2", NOW) == (masto, other)
    merged = store.people.link([bsky, masto], "U1", NOW)  # two groups become one
    assert merged == (bsky, masto, other, ALICE)  # by network, then handle
    assert store.people.linked(ALICE) == (bsky, masto, other)
    assert store.people.unlink(other, "U1", NOW)
    assert not store.people.unlink(other, "U1", NOW)
    assert store.people.linked(ALICE) == (bsky, masto)
    assert store.people.unlink(bsky, "U1", NOW) and store.people.unlink(masto, "U1", NOW)
    assert store.people.linked(ALICE) == ()  # alone: no row left for her either
    assert store.db.scalar("SELECT count(*) FROM people_links") == 0
    log = store.people.link_log()
    assert [(a, u) for a, _, u, _ in log] == [
        ("link", "U1"), ("link", "U2"), ("link", "U1"), ("unlink", "U1"), ("unlink", "U1"),
        ("unlink", "U1"),
    ]  # fmt: skip
    assert log[0][1] == "bluesky:alice.bsky.social x:alice"


def moment(case_id: str, at=NOW, kind=WowKind.MILESTONE) -> WowMoment:
    return WowMoment(case_id, kind, "new baby", at, Network.X, "alice")


def test_a_moment_and_a_gesture_are_kept_once_each_with_their_audit_rows(store):
    case = add(store, 1)
    assert store.wow.add_moment(moment("x:1"), note(case, at=NOW, actor="system", action="wow"))
    assert not store.wow.add_moment(moment("x:1"), note(case, at=NOW, actor="system", action="wow"))
    gift = Gesture("x:1", "card", "a handwritten card", 3.0, "U1", NOW)
    audit = note(case, at=NOW, actor="U1", action="gift", detail="a handwritten card ($3)")
    assert store.wow.add_gesture(gift, moment("x:1"), audit)
    assert not store.wow.add_gesture(replace(gift, user="U2"), moment("x:1"), audit)
    assert store.wow.gesture("x:1") == gift
    assert [a.action for a in store.audit("x:1")] == ["created", "wow", "gift"]


def test_moments_since_come_newest_first_with_what_was_done(store):
    for n in (1, 2, 3):
        case = add(store, n)
        store.wow.add_moment(moment(f"x:{n}", NOW - timedelta(days=n * 3)),
                             note(case, at=NOW, actor="system", action="wow"))  # fmt: skip
    gift = Gesture("x:2", "discount", "a 20% discount code", 5.0, "U1", NOW, over_budget=True)
    store.wow.add_gesture(
        gift, moment("x:2"), note(add(store, 7), at=NOW, actor="U1", action="gift")
    )
    week = store.wow.moments_since(NOW - timedelta(days=7))
    assert [(m.case_id, g) for m, g in week] == [("x:1", None), ("x:2", gift)]
    assert store.wow.gestures_since(NOW - timedelta(days=1)) == [gift]
    assert store.wow.gestures_since(NOW + timedelta(seconds=1)) == []


def test_repeat_complaints_are_counted_by_their_tag_in_the_period(store):
    for n, tags in ((1, ("repeat",)), (2, ("late", "repeat")), (3, ("late",)), (4, ())):
        case = add(store, n, intent=Intent.COMPLAINT, days_ago=n)
        triage = replace(case.triage, tags=tags)
        store.save_case(case.evolve(triage=triage), None)
    assert store.people.repeat_complaints(NOW - timedelta(days=3), NOW) == 2
    assert store.people.repeat_complaints(NOW - timedelta(days=1, hours=1), NOW) == 1


def test_the_reports_counts_moments_by_kind_and_links(store):
    for n, kind in ((1, WowKind.MILESTONE), (2, WowKind.MILESTONE), (3, WowKind.BAD_DAY)):
        case = add(store, n)
        store.wow.add_moment(moment(f"x:{n}", NOW - timedelta(days=n), kind),
                             note(case, at=NOW, actor="system", action="wow"))  # fmt: skip
    counts = store.wow.moment_counts(NOW - timedelta(days=2, hours=1), NOW)
    assert counts == {WowKind.MILESTONE: 2}
    assert store.people.link_summary(NOW).customers == 0
    store.people.link([ALICE, parse_person("bluesky:alice.bsky.social")], "U1", NOW)
    store.people.link([parse_person("x:bob"), parse_person("mastodon:bob@toot.example")], "U1",
                      NOW + timedelta(hours=1))  # fmt: skip
    summary = store.people.link_summary(NOW + timedelta(minutes=30))
    assert (summary.customers, summary.handles, summary.changes) == (2, 4, 1)
