"""Intake: mention → case → triage → draft → review surface."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.drafting import DraftingService
from bot.core.intake import clean_text, problem_with
from bot.core.loop import CareLoop
from bot.core.models import CaseState, Network
from tests.conftest import make_mention
from tests.core.helpers import wire
from tests.fakes.core_fakes import ScriptedDrafter


@pytest.fixture
def core(store, clock, links):
    return wire(store, clock, links)


def test_new_mention_becomes_a_drafted_case_on_the_surface(core, store):
    summary = core.loop.ingest([make_mention("1")])
    assert summary.new == 1
    [case] = summary.cases
    assert case.state is CaseState.IN_REVIEW
    assert case.review_ref == "C1/x:1"
    assert store.get_case("x:1").review_ref == "C1/x:1"
    assert core.surface.shown == [("x:1", "in_review", core.drafter.answers[0])]
    states = [a.to_state for a in store.audit("x:1")]
    assert states == ["new", "triaged", "drafted", "in_review"]


def test_a_mention_seen_twice_is_one_case(core, store):
    core.loop.ingest([make_mention("1")])
    again = core.loop.ingest([make_mention("1"), make_mention("1")])
    assert (again.new, again.duplicates) == (0, 2)
    assert len(store.cases()) == 1
    assert len(core.drafter.requests) == 1


def test_same_id_on_another_network_is_another_case(core, store):
    core.loop.ingest([make_mention("1"), make_mention("1", network=Network.MASTODON)])
    assert {c.id for c in store.cases()} == {"x:1", "mastodon:1"}


def test_our_own_posts_are_not_cases(core, store):
    summary = core.loop.ingest([make_mention("1", author="Parcelly")])
    assert summary.own_posts == 1
    assert store.cases() == []


def test_old_mentions_expire_instead_of_getting_a_draft(core, store):
    summary = core.loop.ingest([make_mention("1", minutes_ago=60 * 24 * 8)])
    assert summary.expired == 1
    assert store.get_case("x:1").state is CaseState.EXPIRED
    assert core.drafter.requests == []


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"text": "   "}, "empty text"),
        ({"author": ""}, "missing author"),
        ({"text": "x" * 30_000}, "text too long"),
        ({"text": "\x00\x01\x02\x03\x04\x05junk\x06\x07"}, "binary"),
    ],
)
def test_bad_mentions_are_quarantined_with_a_reason_and_the_batch_goes_on(
    core, store, kwargs, reason
):
    summary = core.loop.ingest([make_mention("bad", **kwargs), make_mention("good")])
    assert (summary.quarantined, summary.new) == (1, 1)
    [row] = store.quarantined()
    assert reason in row["reason"]
    assert problem_with(make_mention("bad", **kwargs)) == row["reason"]


def test_control_characters_are_stripped_but_text_is_kept(core, store):
    core.loop.ingest([make_mention("1", text="late\x07 parcel\u200b again")])
    assert store.get_case("x:1").mention.text == "late parcel\u200b again"


def test_a_failing_drafter_still_gives_a_labelled_fallback_draft(store, clock, links):
    primary = ScriptedDrafter(clock, RuntimeError("model down"), label="model")
    fallback = ScriptedDrafter(clock, "Thanks, Maria! DM us your order number.", label="offline")
    loop = CareLoop(store, DraftingService(primary, fallback, links, clock), clock)
    [case] = loop.ingest([make_mention("1")]).cases
    draft = store.get_draft(case.draft_id)
    assert case.state is CaseState.IN_REVIEW
    assert draft.drafter == "offline"
    assert "model" in draft.note and "RuntimeError" in draft.note


def test_resume_finishes_cases_a_crash_left_before_review(core, store, clock):
    from bot.core.cases import note
    from bot.core.models import Case

    m = make_mention("9")
    stuck = Case(m.case_id, m, CaseState.NEW, clock.now(), clock.now())
    store.add_case(stuck, note(stuck, at=clock.now(), actor="system", action="created"))
    [resumed] = core.loop.resume()
    assert resumed.state is CaseState.IN_REVIEW
    assert store.get_draft(resumed.draft_id) is not None
    assert core.loop.resume() == []


def test_a_failing_store_write_keeps_nothing_so_the_next_poll_takes_it_in(core, store, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_audit", broken)  # after the case rows are in
    with pytest.raises(OSError):
        core.loop.ingest([make_mention("5"), make_mention("6")])
    assert store.cases() == []  # the chunk rolled back whole; the cursor did not move
    monkeypatch.undo()
    again = core.loop.ingest([make_mention("5"), make_mention("6")])
    assert again.new == 2


def test_chunked_ingest_writes_every_case_and_shows_each_once(store, clock, links):
    core = wire(store, clock, links)
    core.loop.chunk_size = 3
    summary = core.loop.ingest([make_mention(str(i)) for i in range(7)] + [make_mention("2")])
    assert (summary.new, summary.duplicates) == (7, 1)
    assert sorted(case_id for case_id, _, _ in core.surface.shown) == sorted(
        f"x:{i}" for i in range(7)
    )
    assert all(c.review_ref for c in store.cases())


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_text_removes_exactly_the_control_characters_but_tab_and_newline(text):
    expected = "".join(
        ch
        for ch in unicodedata.normalize("NFC", text)
        if ch in "\n\t" or unicodedata.category(ch) != "Cc"
    )
    assert clean_text(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1))
def test_problem_with_never_raises_and_names_a_reason(text):
    reason = problem_with(make_mention("1", text=text))
    assert reason is None or (isinstance(reason, str) and reason)


def test_a_case_taken_in_meanwhile_by_another_writer_is_a_duplicate_not_an_error(
    core, store, monkeypatch
):
    core.loop.chunk_size = 10
    core.loop.ingest([make_mention("1")])
    monkeypatch.setattr(store, "known", lambda ids: set())  # it was not there when checked
    summary = core.loop.ingest([make_mention("1"), make_mention("2")])
    assert (summary.new, summary.duplicates) == (1, 1)
    assert sorted(c.id for c in store.cases()) == ["x:1", "x:2"]
    assert [a.action for a in store.audit("x:1")].count("created") == 1
