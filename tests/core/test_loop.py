"""Intake: mention → case → triage → draft → review surface."""

from __future__ import annotations

import pytest

from bot.core.drafting import DraftingService
from bot.core.loop import CareLoop, problem_with
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
