"""The terminal decision loop: what each key does, edits, and the unattended modes."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.console import Console

from bot.adapters.terminal._input import SCISSORS, editor_edit
from bot.adapters.terminal._surface import (
    HELP,
    PROMPT,
    PROMPT_WITHOUT_LINK,
    TerminalReview,
    TerminalSurface,
    review_unattended,
)
from bot.core.link_policy import XLinkGuard, XLinkRules
from bot.core.models import Case, CaseState, Network, OutboxState
from bot.core.sla import SlaPolicy
from bot.core.x_costs import carries_url
from tests.conftest import make_mention
from tests.core.helpers import wire

GOOD = "Thanks so much for telling us, Maria! DM us order 5521 and we'll fix it: https://help.parcelly.example/"
FRESH = "Thanks for your patience, Maria! Send us a DM and we will sort it: https://help.parcelly.example/"
# Mentions another account: fails only the handles guard.
OFF_LIMITS = (
    "Thanks so much, Maria! DM us and @someone_else will fix it: https://help.parcelly.example/"
)


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=110, color_system=None, force_terminal=False), out


def flat(out: io.StringIO) -> str:
    """What was printed, with the console's line wrapping undone.

    Messages that quote a path or command wrap at a place that depends on its length
    (the checkout's location), so phrases are looked for in the unwrapped text."""
    return " ".join(out.getvalue().split())


def scripted(*answers: str):
    """An input function that answers in turn and records every prompt it was shown."""
    queue = list(answers)
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    read.prompts = prompts  # type: ignore[attr-defined]
    return read


# --- the decision loop ------------------------------------------------------------------


@pytest.fixture
def core(store, clock, links):
    return wire(store, clock, links, GOOD, approvers=())


def ingest(core, *mentions) -> list[Case]:
    return core.loop.ingest(mentions).cases


def session(core, store, clock, keys, lines=(), edit_text=None):
    con, out = console()
    surface = TerminalSurface(con, clock, SlaPolicy())
    review = TerminalReview(
        core.review,
        surface,
        read_key=scripted(*keys),
        read_line=scripted(*lines),
        edit_text=edit_text,
    )
    return review, out


def states(store, cases: Iterable[Case]) -> list[CaseState]:
    return [store.get_case(c.id).state for c in cases]


def test_keys_approve_dismiss_and_skip_each_case(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"), make_mention("2"), make_mention("3"))
    review, out = session(core, store, clock, ["x", "?", "a", "D", "s"])
    tally = review.run(cases)
    assert states(store, cases) == [CaseState.APPROVED, CaseState.DISMISSED, CaseState.IN_REVIEW]
    assert (tally.approved, tally.dismissed, tally.skipped) == (["x:1"], ["x:2"], ["x:3"])
    assert [i.draft_id for i in store.outbox([OutboxState.PENDING])] == [cases[0].draft_id]
    seen = out.getvalue()
    assert "Unknown key; press ? for help." in seen
    assert HELP.splitlines()[0] in seen
    assert seen.count("Case ") == 3 and "Case 3 of 3" in seen


def test_quit_leaves_this_and_later_cases_open(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"), make_mention("2"))
    tally = session(core, store, clock, ["q"])[0].run(cases)
    assert tally.quit and tally.skipped == ["x:1", "x:2"]
    assert states(store, cases) == [CaseState.IN_REVIEW, CaseState.IN_REVIEW]


def test_end_of_input_counts_as_quit(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"))
    tally = session(core, store, clock, [])[0].run(cases)
    assert tally.quit and states(store, cases) == [CaseState.IN_REVIEW]


def test_inline_edit_becomes_the_draft_and_is_rechecked_before_approval(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"))
    review, out = session(core, store, clock, ["e", "a"], lines=[OFF_LIMITS])
    tally = review.run(cases)
    case = store.get_case("x:1")
    draft = store.get_draft(case.draft_id)
    assert draft.text == OFF_LIMITS and draft.drafter == "human:terminal"
    assert draft.edited_from == cases[0].draft_id and tally.edits == 1
    seen = out.getvalue()
    assert "New draft (edit) fails: handles." in seen
    assert "⚠️ No other accounts: mentions @someone_else" in seen
    assert seen.count("╭") == 2  # the card again, after the edit
    assert case.state is CaseState.APPROVED  # a person may approve a risky draft
    assert store.outbox([OutboxState.PENDING])[0].text == OFF_LIMITS


def test_empty_inline_edit_keeps_the_draft(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"))
    review, out = session(core, store, clock, ["e", "s"], lines=[""])
    review.run(cases)
    assert store.get_case("x:1").draft_id == cases[0].draft_id
    assert "Draft unchanged." in out.getvalue()


def test_regenerate_offers_a_fresh_checked_draft(store, clock, links) -> None:
    core = wire(store, clock, links, GOOD, FRESH, approvers=())
    cases = ingest(core, make_mention("1"))
    review, out = session(core, store, clock, ["r", "a"])
    tally = review.run(cases)
    draft = store.get_draft(store.get_case("x:1").draft_id)
    assert draft.text == FRESH and tally.regenerations == 1
    assert "New draft (regenerate) passes every rule." in out.getvalue()


def test_approve_of_unsummoned_x_post_explains_and_waits_for_another_key(
    core, store, clock
) -> None:
    cases = ingest(core, make_mention("1", summoned=False))
    review, out = session(core, store, clock, ["a", "s"])
    tally = review.run(cases)
    assert "answer by hand at https://x.com/maria_g/status/1" in flat(out)
    assert tally.answer_by_hand == ["x:1"] and not tally.approved
    assert states(store, cases) == [CaseState.IN_REVIEW]


def editor_script(tmp_path: Path, reply: str) -> str:
    """A stand-in $EDITOR: replaces everything above the scissors line with `reply`."""
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"rest = p.read_text().split({SCISSORS!r}, 1)[1]\n"
        f"p.write_text({reply!r} + '\\n' + {SCISSORS!r} + rest)\n"
    )
    return f"{sys.executable} {script}"


def test_editor_text_above_the_scissors_becomes_the_draft(core, store, clock, tmp_path) -> None:
    cases = ingest(core, make_mention("1", "# hashtags stay\nline two"))
    edit = editor_edit(editor_script(tmp_path, "#thanks Thanks a lot, Maria! DM us."))
    review, _ = session(core, store, clock, ["e", "s"], edit_text=edit)
    review.run(cases)
    draft = store.get_draft(store.get_case("x:1").draft_id)
    assert draft.text == "#thanks Thanks a lot, Maria! DM us."


def test_broken_editor_falls_back_to_typing_the_reply(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"))
    edit = editor_edit(f"{sys.executable} -c 'raise SystemExit(3)'")
    review, out = session(core, store, clock, ["e", "s"], lines=["Thanks, Maria!"], edit_text=edit)
    review.run(cases)
    assert "exited with 3; type the reply here instead." in flat(out)
    assert store.get_draft(store.get_case("x:1").draft_id).text == "Thanks, Maria!"


def test_missing_editor_falls_back_too(core, store, clock) -> None:
    cases = ingest(core, make_mention("1"))
    edit = editor_edit("/nonexistent/editor-binary")
    review, out = session(core, store, clock, ["e", "s"], lines=[""], edit_text=edit)
    review.run(cases)
    assert "could not run" in flat(out)


# --- unattended ---------------------------------------------------------------------------


def test_unattended_approves_passing_drafts_dismisses_failing_and_leaves_x_by_hand(
    store, clock, links
) -> None:
    core = wire(store, clock, links, GOOD, approvers=())
    passing = ingest(core, make_mention("1"))
    assert store.get_draft(passing[0].draft_id).lint.ok, "precondition: GOOD passes every rule"
    core.drafter.answers = [OFF_LIMITS]
    failing = ingest(core, make_mention("2"))
    core.drafter.answers = [GOOD]
    by_hand = ingest(core, make_mention("3", summoned=False))
    con, out = console()
    surface = TerminalSurface(con, clock, SlaPolicy())
    cases = passing + failing + by_hand
    tally = review_unattended(core.review, cases, approve_failing=False, surface=surface)
    assert (tally.approved, tally.dismissed, tally.answer_by_hand) == (["x:1"], ["x:2"], ["x:3"])
    assert store.get_case("x:2").dismissed_reason == "draft fails rules: handles"
    assert states(store, cases) == [CaseState.APPROVED, CaseState.DISMISSED, CaseState.IN_REVIEW]
    assert "→ dismissed: the draft fails handles" in out.getvalue()


def test_approve_all_approves_failing_drafts_too(store, clock, links) -> None:
    core = wire(store, clock, links, OFF_LIMITS, approvers=())
    cases = ingest(core, make_mention("1"), make_mention("2", network=Network.BLUESKY))
    tally = review_unattended(core.review, cases, approve_failing=True)
    assert tally.approved == ["x:1", "bluesky:2"]
    assert len(store.outbox([OutboxState.PENDING])) == 2


def test_an_x_card_says_what_sending_costs_and_w_sends_it_without_its_link(
    core, store, clock
) -> None:
    rules = XLinkRules(help_in_words="Help is under Help on our website.")
    core.publishing.without_link = XLinkGuard(rules, lambda: (0.0, 0.0), store, clock).without
    cases = ingest(core, make_mention("1"), make_mention("2", network=Network.MASTODON))
    con, out = console()
    keys = scripted("w", "w", "a")
    review = TerminalReview(
        core.review,
        TerminalSurface(con, clock, SlaPolicy(), costs=rules),
        read_key=keys,
        read_line=scripted(),
    )
    tally = review.run(cases)
    assert flat(out).count("💸 On X this reply costs $0.20 (link) · $0.015 without") == 1
    assert keys.prompts == [PROMPT_WITHOUT_LINK, PROMPT, PROMPT]  # w only where offered
    assert "This card offers no sending without link." in out.getvalue()
    assert tally.approved == ["x:1", "mastodon:2"]
    sent = {i.case_id: i for i in store.outbox([OutboxState.PENDING])}
    assert not carries_url(sent["x:1"].text) and sent["x:1"].text.endswith(rules.help_in_words)
    assert sent["x:1"].meta["link"] == "removed: chosen by terminal"
    assert sent["mastodon:2"].text == GOOD  # Mastodon keeps its link
