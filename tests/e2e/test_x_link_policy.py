"""X's link policy end to end: mentions on a local fake X become cases, are approved and
replied to through the real X adapter, meter, outbox and guard; what X would bill for
the calls it answered is what careops counted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import FakeClock
from bot.core.models import CaseState
from tests.fakes.x_world import start

WORDS = "Our help pages are under Help on our website."


def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


def test_always_sends_every_reply_with_its_link(tmp_path: Path) -> None:
    run = start(tmp_path, "[x]\nlink_policy = 'always'\n", clock())
    run.answer(6)
    assert run.with_link() == [True] * 6 and run.channel.said == []
    # 6 posts and 6 authors read, 6 replies with a URL
    assert run.spent() == run.billed() == round(6 * 0.005 + 6 * 0.01 + 6 * 0.2, 6)


def test_never_sends_each_reply_without_its_link_saying_where_help_is(tmp_path: Path) -> None:
    run = start(tmp_path, f"[x]\nlink_policy = 'never'\nhelp_in_words = '{WORDS}'\n", clock())
    run.answer(5)
    assert run.with_link() == [False] * 5
    assert all(r["text"].endswith(WORDS) for r in run.x.replies)
    assert run.spent() == run.billed() == round(5 * 0.005 + 5 * 0.01 + 5 * 0.015, 6)
    case = run.app.store.get_case(f"x:{run.x.replies[0]['in_reply_to']}")
    assert case is not None and case.state is CaseState.PUBLISHED
    audit = run.app.store.audit(case.id)
    assert any("sent without its link (link policy never)" in a.detail for a in audit)


def test_budget_runs_out_mid_run_one_notice_then_without_links(tmp_path: Path) -> None:
    """Reads of 10 mentions cost $0.15; four replies with links take the day to $0.95,
    a fifth would pass $1.00: it and the rest go without, and the channel hears once."""
    toml = "[x]\nlink_policy = 'budget'\ndaily_budget = 1.0\n"
    at = clock()
    run = start(tmp_path, toml, at)
    run.answer(10)
    assert run.with_link() == [True] * 4 + [False] * 6
    assert len(run.channel.said) == 1
    assert "daily X budget $1.00 reached" in run.channel.said[0]
    assert run.spent() == run.billed() == round(0.15 + 4 * 0.2 + 6 * 0.015, 6)
    # a restart the same day: still without links, and no second notice
    again = start(tmp_path, toml, at, run.x)
    again.answer(3, start=10)
    assert again.with_link()[10:] == [False] * 3 and again.channel.said == []
    # the next UTC day the links come back
    at.advance(hours=24)
    again.answer(2, start=13)
    assert again.with_link()[13:] == [True, True]
    assert again.spent() == again.billed()
