"""A customer's history on the card: who they are across networks, how often they wrote,
what happened last time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import CaseState, Intent, Network
from bot.core.people import (
    Contacts,
    History,
    PastCase,
    Person,
    PersonError,
    history_line,
    ordinal,
    parse_person,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ALICE = Person(Network.X, "alice")


def past(days: float, *, intent=Intent.COMPLAINT, topic="refund", state=CaseState.PUBLISHED,
         reply_minutes: float | None = 12) -> PastCase:  # fmt: skip
    seconds = None if reply_minutes is None else reply_minutes * 60
    return PastCase("x:1", Network.X, NOW - timedelta(days=days), state, intent, topic, seconds)


def test_the_line_the_issue_asks_for() -> None:
    history = History(ALICE, Contacts(2, datetime(2026, 3, 2, tzinfo=UTC), (past(14), past(40))))
    assert history_line(history, NOW) == (
        "3rd contact · last: refund, answered in 12 min, 14 days ago · first seen March"
    )


def test_a_first_contact_says_so_and_linked_handles_are_named() -> None:
    bsky = Person(Network.BLUESKY, "alice.bsky.social")
    assert history_line(History(ALICE), NOW) == "first contact"
    dismissed = past(3, state=CaseState.DISMISSED, reply_minutes=None, topic="general")
    contacts = Contacts(1, datetime(2025, 7, 1, tzinfo=UTC), (dismissed,))
    line = history_line(History(ALICE, contacts, (bsky,)), NOW)
    assert line == (
        "2nd contact · last: complaint, dismissed, 3 days ago · first seen July 2025"
        " · also bluesky:alice.bsky.social"
    )


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"),
                                         (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"),
                                         (22, "22nd"), (101, "101st"), (111, "111th")])  # fmt: skip
def test_ordinals(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_a_complaint_within_a_week_makes_a_repeat_complainer_and_praise_does_not() -> None:
    assert History(ALICE, Contacts(1, None, (past(6),))).repeat_complainer(NOW)
    assert not History(ALICE, Contacts(1, None, (past(8),))).repeat_complainer(NOW)
    praise = past(1, intent=Intent.PRAISE)
    assert not History(ALICE, Contacts(1, None, (praise,))).repeat_complainer(NOW)


def test_merged_contacts_keep_the_newest_first_and_the_earliest_first_seen() -> None:
    a = Contacts(2, NOW - timedelta(days=50), (past(5), past(50)))
    b = Contacts(1, NOW - timedelta(days=90), (past(1),))
    both = a.merged(b)
    assert both.count == 3 and both.first_seen == NOW - timedelta(days=90)
    assert [round((NOW - c.posted_at).days) for c in both.recent] == [1, 5, 50]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("x:Alice", Person(Network.X, "alice")),
        ("bluesky:@alice.bsky.social", Person(Network.BLUESKY, "alice.bsky.social")),
        (" Mastodon:alice@toot.example ", Person(Network.MASTODON, "alice@toot.example")),
    ],
)
def test_handles_are_read_as_the_store_keys_them(text: str, person: Person) -> None:
    assert parse_person(text) == person


@pytest.mark.parametrize("text", ["alice", "x:", "myspace:alice", "x:@", ":alice"])
def test_what_is_not_a_handle_on_a_network_says_why(text: str) -> None:
    with pytest.raises(PersonError):
        parse_person(text)


@given(st.text(max_size=40))
def test_parsing_never_fails_otherwise_and_a_parsed_handle_prints_back(text: str) -> None:
    try:
        person = parse_person(text)
    except PersonError:
        return
    assert parse_person(str(person)) == person
    assert person.handle == person.handle.lower() and not person.handle.startswith("@")
