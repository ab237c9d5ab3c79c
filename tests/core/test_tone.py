"""Humour where it fits: brand.md may allow a light tone for praise and wow moments, the
reply linter fails a playful reply anywhere else, and never allows one on a complaint, a
risk case or in crisis mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.adapters.drafters import load_light_tone
from bot.cli import app
from bot.core.drafting import DraftingService
from bot.core.models import Case, CaseState, Intent, Network, Priority, Triage
from bot.core.risk import RISKS
from bot.core.rules import LinkBook, lint
from bot.core.tone import ToneError, light_tone_ok, light_tone_scopes
from tests.conftest import LINKS, make_mention
from tests.fakes.core_fakes import ScriptedDrafter

ROOT = Path(__file__).resolve().parents[2]
BOTH = frozenset({"praise", "wow"})
PLAYFUL = "Thanks Maria, haha, congratulations! DM us if anything is off."
PLAIN = "Thanks Maria, congratulations! DM us if anything is off."
LINKS_BOOK = LinkBook(LINKS)


def test_the_shipped_brand_voice_allows_a_light_tone_for_praise_and_wow_moments() -> None:
    assert load_light_tone(ROOT / "prompts") == BOTH


@pytest.mark.parametrize(
    ("line", "scopes"),
    [
        ("{# light tone: praise #}", {"praise"}),
        ("{# Light tone: praise, wow #}", {"praise", "wow"}),
        ("{#- light tone: wow -#}", {"wow"}),
        ("Light humour is welcome.", set()),  # prose alone allows nothing
    ],
)
def test_the_light_tone_line_is_read(line: str, scopes: set[str]) -> None:
    assert light_tone_scopes(f"# Voice\n{line}\n- Short sentences.\n") == scopes


@pytest.mark.parametrize("scope", ["complaint", "crisis", "risk", "question"])
def test_a_brand_voice_granting_humour_elsewhere_is_refused(scope: str) -> None:
    with pytest.raises(ToneError, match=f"praise and wow moments only, not {scope}"):
        light_tone_scopes(f"{{# light tone: praise, {scope} #}}")


@given(
    intent=st.sampled_from([*Intent, None]),
    tags=st.lists(st.sampled_from([*RISKS, "wow", "late", "money"]), max_size=3),
    crisis=st.booleans(),
    scopes=st.sets(st.sampled_from(sorted(BOTH))),
)
def test_never_a_light_tone_on_a_complaint_a_risk_or_in_a_crisis(
    intent: Intent | None, tags: list[str], crisis: bool, scopes: set[str]
) -> None:
    ok = light_tone_ok(intent, tags, crisis=crisis, scopes=frozenset(scopes))
    if crisis or intent is Intent.COMPLAINT or set(tags) & set(RISKS):
        assert not ok
    else:
        allowed = ("praise" in scopes and intent is Intent.PRAISE) or (
            "wow" in scopes and "wow" in tags
        )
        assert ok == allowed


MARKERS = ["haha", "Hahaha", "lol", "😂", "🤣", "😜", "🎉", ";)", "pun intended", "jk"]


@given(
    before=st.text(st.characters(categories=["L", "Zs"]), max_size=30),
    marker=st.sampled_from(MARKERS),
)
def test_a_playful_marker_fails_the_human_rule_only_where_no_light_tone_is_allowed(
    before: str, marker: str
) -> None:
    text = f"Thanks {before.strip()} {marker}! DM us your order number."
    serious = {c.rule: c for c in lint(text, network=Network.X, links=LINKS_BOOK,
                                       light_tone=False).checks}  # fmt: skip
    light = {c.rule: c for c in lint(text, network=Network.X, links=LINKS_BOOK).checks}
    assert not serious["human"].ok
    assert {r for r in serious if serious[r] != light[r]} <= {"human"}


def test_plain_words_are_not_playful() -> None:
    for text in (PLAIN, "Thanks! Holland is lovely; our depot there will sort it. DM us."):
        checks = lint(text, network=Network.X, links=LINKS_BOOK, light_tone=False).checks
        assert next(c for c in checks if c.rule == "human").ok, text


def case_of(intent: Intent, tags: tuple[str, ...] = ()) -> Case:
    mention = make_mention("1", "whatever")
    triage = Triage(intent, 0.6, Priority.NORMAL, "en", "general", tags)
    return Case(mention.case_id, mention, CaseState.TRIAGED, mention.created_at,
                mention.created_at, triage=triage)  # fmt: skip


@pytest.mark.parametrize(
    ("intent", "tags", "crisis", "human_ok"),
    [
        (Intent.PRAISE, (), False, True),
        (Intent.FEEDBACK, ("wow",), False, True),
        (Intent.COMPLAINT, ("wow",), False, False),
        (Intent.PRAISE, (), True, False),
        (Intent.PRAISE, ("safety",), False, False),  # a risk a draft is still written for
        (Intent.QUESTION, (), False, False),
    ],
)
def test_drafts_are_held_to_the_brands_light_tone(
    clock, intent: Intent, tags: tuple[str, ...], crisis: bool, human_ok: bool
) -> None:
    drafter = ScriptedDrafter(clock, PLAYFUL)
    drafting = DraftingService(drafter, drafter, LINKS_BOOK, clock, light_tone=BOTH)
    draft = drafting.draft_for(case_of(intent, tags), crisis=crisis)
    human = next(c for c in draft.checks if c.rule == "human")
    assert human.ok is human_ok, human.why


def test_careops_lint_checks_the_tone_for_the_case_it_is_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAREOPS_PROMPTS_DIR", str(ROOT / "prompts"))
    reply = "Thanks so much Maria, haha, congratulations! https://help.parcelly.example/"

    def lint_cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["lint", "--topic", "general", *args, reply])
        return result.exit_code, result.output

    code, out = lint_cli("--case", "complaint")
    assert code == 1 and "playful “haha”: a light tone is for praise and wow moments only" in out
    assert "playful" not in lint_cli("--case", "wow")[1]
    assert "playful" not in lint_cli()[1]  # no case named: the tone is not judged
    assert "unknown case" in lint_cli("--case", "party")[1]
