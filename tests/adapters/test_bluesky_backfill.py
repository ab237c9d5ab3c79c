"""Bluesky intake never loses a mention: gaps wider than a poll are read over several
polls, a restart resumes them, and a fresh install starts with the last day.

The source runs inside the real intake loop (in-memory store, offline drafter) against
the local PDS on 127.0.0.1, paging listNotifications by keyset as the AppView does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from atproto import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.bluesky._network import (
    LATE_LISTING_WINDOW,
    PAGE_SIZE,
    BlueskySession,
    BlueskySource,
)
from bot.adapters.bluesky._parse import IntakeCursor, mention_from_notification
from bot.adapters.drafters import OfflineDrafter
from bot.adapters.sqlite import SqliteStore
from bot.core.clock import FakeClock
from bot.core.drafting import DraftingService
from bot.core.loop import CareLoop, IntakeSummary
from bot.core.ports import SourceBatch
from bot.core.rules import LinkBook
from tests.conftest import LINKS
from tests.fakes.fake_bluesky import BRAND_HANDLE, BlueskyState, FakeBluesky, notification

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bluesky"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
OLD = "2026-11-25T08:00:00.000Z"  # the cursor before the spike
SPIKE_START = datetime(2026, 11, 25, 8, 10, tzinfo=UTC)


def at(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Recorder:
    """The Bluesky source, keeping every batch it returned."""

    source: BlueskySource
    batches: list[SourceBatch] = field(default_factory=list)
    name: str = "bluesky"

    def poll(self, cursor: str | None) -> SourceBatch:
        batch = self.source.poll(cursor)
        self.batches.append(batch)
        return batch

    def rkeys(self, poll: int) -> list[str]:
        return [m.external_id.rsplit("/", 1)[-1] for m in self.batches[poll].mentions]


@dataclass
class Intake:
    loop: CareLoop
    store: SqliteStore
    server: FakeBluesky
    clock: FakeClock

    def source(self, **options: int) -> Recorder:
        """A new source as after a restart: new client, session from the store."""
        client = Client(base_url=self.server.url)
        session = BlueskySession(client, BRAND_HANDLE, "app-password", self.store, self.store)
        return Recorder(BlueskySource(session, self.clock, **options))

    def poll(self, source: Recorder) -> IntakeSummary:
        return self.loop.poll([source])

    def cursor(self) -> str | None:
        return self.store.get_cursor("bluesky")

    def backfill(self) -> IntakeCursor:
        return IntakeCursor.load(self.cursor())


def make_intake(server: FakeBluesky, store: SqliteStore, clock: FakeClock) -> Intake:
    drafter = OfflineDrafter(LinkBook(LINKS), clock)
    drafting = DraftingService(drafter, drafter, LinkBook(LINKS), clock)
    loop = CareLoop(store, drafting, clock, brand_handles=["parcelly"], chunk_size=50)
    return Intake(loop, store, server, clock)


@pytest.fixture
def intake(clock: FakeClock, store: SqliteStore) -> Iterator[Intake]:
    with FakeBluesky(BlueskyState(keyset_paging=True)) as server:
        yield make_intake(server, store, clock)


REAL = json.loads((FIXTURES / "listNotifications.mention.real.metricbot.json").read_text())


def recorded(key: str, when: str) -> dict[str, Any]:
    """The real recorded mention notification, as a new post indexed at `when`."""
    note = copy.deepcopy(REAL["notifications"][0])
    note["uri"] = note["uri"].rsplit("/", 1)[0] + "/" + key
    note["cid"] = notification("x", rkey=key)["cid"]
    note["indexedAt"] = note["record"]["createdAt"] = when
    return note


def push_spike(state: BlueskyState, count: int, start: datetime = SPIKE_START) -> list[str]:
    """`count` mentions a second apart, oldest first; returns their record keys."""
    keys = [f"3s{start:%H%M%S}{i:05d}" for i in range(count)]
    for i, key in enumerate(keys):
        state.push(recorded(key, at(start + timedelta(seconds=i))))
    return keys


def case_ids(store: SqliteStore) -> list[str]:
    return [c.id for c in store.cases()]


def test_a_spike_of_five_pages_is_read_over_three_polls_without_loss(intake: Intake) -> None:
    intake.server.state.push(notification("@parcelly earlier", rkey="3sold", indexed_at=OLD))
    source = intake.source(max_pages=2)
    intake.poll(source)
    assert intake.cursor() == OLD
    keys = push_spike(intake.server.state, 5 * PAGE_SIZE)
    newest = at(SPIKE_START + timedelta(seconds=5 * PAGE_SIZE - 1))

    first = intake.poll(source)
    assert source.rkeys(1) == keys[150:250]  # the newest two pages, oldest first
    assert first.new == 100
    assert intake.backfill() == IntakeCursor(OLD, intake.backfill().token, newest, 100)
    assert intake.backfill().token
    assert first.notices == [
        f"bluesky: backfilling 100+ notifications since {OLD}, continuing next poll"
    ]

    second = intake.poll(source)
    assert source.rkeys(2) == keys[50:150]
    assert (second.new, intake.backfill().since, intake.backfill().fetched) == (100, OLD, 200)

    third = intake.poll(source)
    assert source.rkeys(3) == ["3sold", *keys[:50]]  # down to the old cursor, inclusive
    assert (third.new, third.duplicates) == (50, 1)
    assert intake.cursor() == newest  # the gap is closed: a plain stamp again
    assert third.notices == [f"bluesky: gap closed, 251 notifications since {OLD} read"]

    quiet = intake.poll(source)
    assert (quiet.new, quiet.notices, source.batches[4].cursor) == (0, [], None)
    ids = case_ids(intake.store)
    assert len(ids) == len(set(ids)) == 251


def test_mentions_arriving_during_a_backfill_are_taken_once_it_closes(intake: Intake) -> None:
    intake.store.set_cursor("bluesky", OLD)
    source = intake.source(max_pages=1, page_size=10)
    gap = push_spike(intake.server.state, 25)
    intake.poll(source)
    late = push_spike(intake.server.state, 3, start=SPIKE_START + timedelta(minutes=30))
    intake.poll(source)
    intake.poll(source)  # the oldest page: gap closed
    assert intake.cursor() == at(SPIKE_START + timedelta(seconds=24))
    after = intake.poll(source)
    reread = source.rkeys(3)[: -len(late)]  # oldest first: then the three new ones
    assert source.rkeys(3)[-len(late) :] == late
    # the cursor's own notification and those listed in the late-listing window behind it
    # are read again: duplicates, never new cases
    assert reread == gap[-len(reread) :] and len(reread) == 10 - len(late)
    assert (after.new, after.duplicates) == (3, len(reread))
    assert intake.cursor() == at(SPIKE_START + timedelta(minutes=30, seconds=2))
    assert sorted(case_ids(intake.store)) == sorted(f"bluesky:{_uri(k)}" for k in gap + late)


def test_a_mention_listed_behind_the_cursor_is_taken_within_the_late_listing_window(
    intake: Intake,
) -> None:
    """The AppView lists a notification under its post's createdAt when that is earlier
    than its indexing: a post indexed late, or from a clock that is behind, appears below
    a cursor that already moved past it (seen on the real AppView, tests/devnet)."""
    intake.store.set_cursor("bluesky", OLD)
    source = intake.source()
    gap = push_spike(intake.server.state, 3)
    intake.poll(source)
    cursor = SPIKE_START + timedelta(seconds=2)
    assert intake.cursor() == at(cursor)
    minute = timedelta(minutes=1)
    for behind, key in (
        (LATE_LISTING_WINDOW - minute, "3slate"),
        (LATE_LISTING_WINDOW + minute, "3sfar"),
    ):
        intake.server.state.push(recorded(key, at(cursor - behind)))
    after = intake.poll(source)
    assert "3slate" in source.rkeys(1) and "3sfar" not in source.rkeys(1)
    assert (after.new, after.duplicates) == (1, len(gap))
    assert intake.cursor() == at(cursor)  # never moves back


def test_a_restart_in_the_middle_of_a_backfill_resumes_where_it_stopped(intake: Intake) -> None:
    intake.store.set_cursor("bluesky", OLD)
    keys = push_spike(intake.server.state, 3 * PAGE_SIZE)
    before = intake.source(max_pages=1)
    intake.poll(before)
    assert before.rkeys(0) == keys[100:]

    after = intake.source(max_pages=1)  # a new process: only the store remembers
    intake.poll(after)
    intake.poll(after)
    assert after.rkeys(0) == keys[50:100] and after.rkeys(1) == keys[:50]
    assert intake.cursor() == at(SPIKE_START + timedelta(seconds=3 * PAGE_SIZE - 1))
    assert len(set(case_ids(intake.store))) == 3 * PAGE_SIZE
    assert intake.server.state.sessions_created == 1


def test_a_legacy_plain_stamp_cursor_still_works_and_bad_ones_fall_back_to_the_lookback() -> None:
    assert IntakeCursor.load(OLD) == IntakeCursor(since=OLD)
    for bad in ("0", "not a time", '{"since": 5}', "{broken", '{"token": "abc"}'):
        assert IntakeCursor.load(bad) == IntakeCursor()


def test_the_first_poll_reads_the_last_day_and_nothing_older(intake: Intake) -> None:
    state = intake.server.state
    for minutes, key in ((60 * 24 + 1, "3stoo_old"), (60 * 24 - 1, "3sday_old")):
        state.push(
            notification("@parcelly hi", rkey=key, indexed_at=at(NOW - timedelta(minutes=minutes)))
        )
    recent = push_spike(state, PAGE_SIZE + 20)
    source = intake.source(max_pages=1)
    intake.poll(source)  # 71 within the day, one page a poll: a backfill from the lookback
    # the lookback stops short of the day by the late-listing window read behind it
    assert intake.backfill().since == "2026-11-24T09:10:00.000Z"
    assert source.batches[0].notices == [
        "bluesky: backfilling 50+ notifications since 2026-11-24T09:10:00.000Z,"
        " continuing next poll"
    ]
    intake.poll(source)
    taken = source.rkeys(1) + source.rkeys(0)
    assert taken == ["3sday_old", *recent]
    assert intake.cursor() == at(SPIKE_START + timedelta(seconds=PAGE_SIZE + 19))


def test_a_rate_limit_in_a_backfill_keeps_the_resume_point(intake: Intake) -> None:
    intake.store.set_cursor("bluesky", OLD)
    keys = push_spike(intake.server.state, 2 * PAGE_SIZE)
    source = intake.source(max_pages=1)
    intake.poll(source)
    resume = intake.cursor()
    intake.server.state.rate_limited_reset = int((NOW + timedelta(minutes=2)).timestamp())
    limited = intake.poll(source)
    assert limited.notices == [
        "bluesky: rate limited until 09:02 UTC; intake degraded",
        f"bluesky: backfilling 50+ notifications since {OLD}, continuing next poll",
    ]
    assert intake.cursor() == resume
    intake.server.state.rate_limited_reset = None
    intake.clock.advance(minutes=3)
    intake.poll(source)
    assert source.rkeys(2) == keys[:PAGE_SIZE]
    assert intake.cursor() == at(SPIKE_START + timedelta(seconds=2 * PAGE_SIZE - 1))


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeBluesky]:
    with FakeBluesky(BlueskyState(keyset_paging=True)) as server:
        yield server


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keyset=st.booleans(),
    page_size=st.integers(1, 6),
    max_pages=st.integers(1, 3),
    spike=st.integers(0, 30),
    arrivals=st.lists(st.integers(0, 3), max_size=4),
)
def test_every_notification_is_taken_in_exactly_once(
    shared_server: FakeBluesky,
    keyset: bool,
    page_size: int,
    max_pages: int,
    spike: int,
    arrivals: list[int],
) -> None:
    """Offset pages (`keyset` off) shift when posts arrive: re-reads, never a skip."""
    state = shared_server.state
    state.notifications.clear()
    state.keyset_paging = keyset
    clock = FakeClock(NOW)
    store = SqliteStore(":memory:")
    try:
        intake = make_intake(shared_server, store, clock)
        store.set_cursor("bluesky", OLD)
        expected = push_spike(state, spike)
        source = intake.source(page_size=page_size, max_pages=max_pages)
        polls = new = 0
        for wave, count in enumerate(arrivals):
            new += intake.poll(source).new
            polls += 1
            later = SPIKE_START + timedelta(minutes=10 + wave)
            expected += push_spike(state, count, start=later)
        # Each poll reads page_size * max_pages; offset pages re-read what arrivals shift.
        work = (spike + 2 * sum(arrivals)) // (page_size * max_pages) + len(arrivals)
        while True:  # until a quiet poll from a closed gap: everything is read
            closed = not intake.backfill().backfilling
            taken_now = intake.poll(source).new
            new += taken_now
            polls += 1
            assert polls < 2 * work + 10, "backfill never closes"
            if closed and not taken_now and not intake.backfill().backfilling:
                break
        taken = {k for batch in source.batches for k in _keys(batch)}
        assert taken == set(expected) and new == len(expected)
        assert sorted(case_ids(store)) == sorted(f"bluesky:{_uri(k)}" for k in expected)
        for batch in source.batches:
            stamps = [m.created_at for m in batch.mentions]
            assert stamps == sorted(stamps)
        assert not intake.backfill().backfilling
    finally:
        store.close()


def _keys(batch: SourceBatch) -> list[str]:
    return [m.external_id.rsplit("/", 1)[-1] for m in batch.mentions]


def _uri(key: str) -> str:
    return mention_from_notification(recorded(key, OLD)).external_id


def test_the_cursor_round_trips() -> None:
    during = IntakeCursor(OLD, "2026-11-25T08:10:00.000Z::bafy", "2026-11-25T08:20:00.000Z", 7)
    assert IntakeCursor.load(during.dump()) == during
    assert json.loads(str(during.dump()))["token"] == during.token
    assert IntakeCursor(since=OLD).dump() == OLD


def test_a_failed_page_in_a_backfill_keeps_the_pages_already_read(intake: Intake) -> None:
    intake.store.set_cursor("bluesky", OLD)
    keys = push_spike(intake.server.state, 3 * PAGE_SIZE)
    intake.server.state.pages_until_outage = 1
    source = intake.source(max_pages=3)
    broken = intake.poll(source)
    assert source.rkeys(0) == keys[2 * PAGE_SIZE :]
    assert broken.notices[0] == "bluesky: fetch failed (NetworkError); will resume"
    assert intake.backfill().fetched == PAGE_SIZE
    intake.server.state.pages_until_outage = None
    intake.poll(source)
    assert source.rkeys(1) == keys[: 2 * PAGE_SIZE]
    assert intake.cursor() == at(SPIKE_START + timedelta(seconds=3 * PAGE_SIZE - 1))


@given(st.text(max_size=60))
def test_any_stored_cursor_loads_without_error(text: str) -> None:
    loaded = IntakeCursor.load(text)
    assert loaded.since is None or IntakeCursor.load(loaded.dump()) == loaded


def test_a_full_page_ending_at_the_cursor_is_no_gap(intake: Intake) -> None:
    state = intake.server.state
    state.push(notification("@parcelly older", rkey="3solder", indexed_at="2026-11-25T07:00:00Z"))
    state.push(notification("@parcelly earlier", rkey="3sold", indexed_at=OLD))
    source = intake.source(max_pages=1)
    intake.poll(source)
    keys = push_spike(state, PAGE_SIZE - 1)  # with the cursor's own: exactly one page
    again = intake.poll(source)
    assert source.rkeys(1) == ["3sold", *keys]
    assert (again.new, again.notices) == (PAGE_SIZE - 1, [])
    assert intake.cursor() == at(SPIKE_START + timedelta(seconds=PAGE_SIZE - 2))
