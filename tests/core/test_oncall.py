"""On-call rotation: DST-correct 8-hour shifts, overrides, handoffs, `/care cover` parsing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.oncall import (
    CoverError,
    Override,
    Roster,
    Rotation,
    handoffs,
    parse_cover,
    parse_duration,
    shifts,
    who_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
EXAMPLE = {
    "timezone": "Europe/Berlin",
    "members": ["U01AAA", "U02BBB", "U03CCC"],
    "shift_hours": 8,
    "start": "2026-01-05T08:00:00",
    "usergroup": "S0ONCALL",
}


@pytest.fixture
def rotation() -> Rotation:
    rot = Rotation.from_config(EXAMPLE)
    assert rot is not None
    return rot


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def expected_member(at: datetime) -> str:
    """Independent oracle: count 8-hour wall-clock slots since the start, local time."""
    wall = at.astimezone(BERLIN).replace(tzinfo=None)
    slots = (wall - datetime(2026, 1, 5, 8)) // timedelta(hours=8)
    return EXAMPLE["members"][slots % 3]


def test_example_rotation_hands_off_at_local_08_16_00(rotation):
    assert who_at(rotation, local("2026-01-05T08:00")) == "U01AAA"
    assert who_at(rotation, local("2026-01-05T15:59")) == "U01AAA"
    assert who_at(rotation, local("2026-01-05T16:00")) == "U02BBB"
    assert who_at(rotation, local("2026-01-06T00:00")) == "U03CCC"
    assert who_at(rotation, local("2026-01-06T08:00")) == "U01AAA"
    # summer time: still 08:00 local, which is 06:00 UTC
    assert who_at(rotation, datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) == expected_member(
        datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    )
    assert who_at(rotation, datetime(2026, 7, 1, 5, 59, tzinfo=UTC)) != who_at(
        rotation, datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    )


def test_before_start_the_rotation_runs_backwards(rotation):
    assert who_at(rotation, local("2026-01-05T07:59")) == "U03CCC"
    assert who_at(rotation, local("2026-01-04T23:00")) == "U02BBB"


def test_dst_days_have_a_7_and_a_9_hour_night_shift(rotation):
    spring = shifts(rotation, local("2026-03-29T00:00"), local("2026-03-29T16:00"))
    autumn = shifts(rotation, local("2026-10-25T00:00"), local("2026-10-25T16:00"))
    assert [s.end - s.start for s in spring] == [timedelta(hours=7), timedelta(hours=8)]
    assert [s.end - s.start for s in autumn] == [timedelta(hours=9), timedelta(hours=8)]


def test_four_weeks_across_dst_every_minute_has_exactly_one_person(rotation):
    """A fake clock walks 2026-03-16 .. 2026-04-13 (spring change on 03-29) minute by minute."""
    cover = Override("U09COVER", local("2026-03-29T01:30"), local("2026-03-29T04:30"), "U01AAA")
    begin = datetime(2026, 3, 16, tzinfo=UTC)
    end = begin + timedelta(weeks=4)
    spans = shifts(rotation, begin, end, [cover])
    # the spans tile the four weeks with no gap and no overlap
    assert spans[0].start == begin and spans[-1].end == end
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    at, minutes = begin, 0
    while at < end:
        owners = [s.user for s in spans if s.start <= at < s.end]
        assert owners == [who_at(rotation, at, [cover])]
        want = "U09COVER" if cover.covers(at) else expected_member(at)
        assert owners[0] == want, at
        at += timedelta(minutes=1)
        minutes += 1
    assert minutes == 4 * 7 * 24 * 60


def test_override_wins_for_its_span_only_and_newest_wins(rotation):
    now = local("2026-01-05T09:00")
    first = Override("U07X", now, now + timedelta(hours=2), created_at=now)
    later = Override(
        "U08Y",
        now + timedelta(hours=1),
        now + timedelta(hours=3),
        created_at=now + timedelta(minutes=5),
    )
    ovr = [first, later]
    assert who_at(rotation, now - timedelta(minutes=1), ovr) == "U01AAA"
    assert who_at(rotation, now, ovr) == "U07X"
    assert who_at(rotation, now + timedelta(minutes=90), ovr) == "U08Y"
    assert who_at(rotation, now + timedelta(hours=3), ovr) == "U01AAA"


def test_handoffs_name_outgoing_and_incoming_once_each(rotation):
    cover = Override("U09COVER", local("2026-01-05T10:00"), local("2026-01-05T12:00"))
    found = handoffs(rotation, local("2026-01-05T08:00"), local("2026-01-06T08:00"), [cover])
    assert [(h.at.astimezone(BERLIN).strftime("%H:%M"), h.outgoing, h.incoming) for h in found] == [
        ("10:00", "U01AAA", "U09COVER"),
        ("12:00", "U09COVER", "U01AAA"),
        ("16:00", "U01AAA", "U02BBB"),
        ("00:00", "U02BBB", "U03CCC"),
        ("08:00", "U03CCC", "U01AAA"),
    ]


def test_roster_reads_overrides_each_time(rotation):
    stored: list[Override] = []
    roster = Roster(rotation, lambda: stored)
    at = local("2026-01-05T09:00")
    assert roster.who_at(at) == "U01AAA"
    stored.append(Override("U05Z", at, at + timedelta(hours=1)))
    assert roster.who_at(at) == "U05Z"


def test_no_rotation_means_nobody_unless_covered():
    at = datetime(2026, 1, 5, tzinfo=UTC)
    assert Rotation.from_config({}) is None
    assert who_at(None, at) is None
    assert who_at(None, at, [Override("U1AB", at, at + timedelta(hours=1))]) == "U1AB"


def test_bad_rotation_config_is_refused():
    with pytest.raises(ValueError, match="at least one member"):
        Rotation.from_config({**EXAMPLE, "members": []})


def test_parse_cover_forms():
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
    assert parse_cover("<@U02BBB|bea> 2h", now, BERLIN) == ("U02BBB", now, now + timedelta(hours=2))
    user, start, end = parse_cover("<@U02BBB> until 18:00", now, BERLIN)
    assert (user, start, end) == ("U02BBB", now, datetime(2026, 1, 5, 17, 0, tzinfo=UTC))
    _, _, tomorrow = parse_cover("U02BBB until 09:00", now, BERLIN)
    assert tomorrow == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    with pytest.raises(CoverError, match="usage"):
        parse_cover("<@U02BBB>", now, BERLIN)
    with pytest.raises(CoverError, match="not a duration"):
        parse_cover("<@U02BBB> soon", now, BERLIN)
    with pytest.raises(CoverError, match="not a Slack user"):
        parse_cover("bob 2h", now, BERLIN)


@given(st.integers(0, 14), st.integers(0, 23), st.integers(0, 59))
def test_parse_duration_round_trips(days, hours, minutes):
    text = f"{days}d{hours}h{minutes}m"
    span = timedelta(days=days, hours=hours, minutes=minutes)
    if timedelta(0) < span <= timedelta(days=14):
        assert parse_duration(text) == span
    else:
        with pytest.raises(CoverError):
            parse_duration(text)


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    )
)
def test_who_at_matches_the_wall_clock_oracle_at_any_instant(at):
    rot = Rotation.from_config(EXAMPLE)
    assert who_at(rot, at) == expected_member(at)
