"""Guardrail helpers on generated text: the link pattern finds what a plain
case-insensitive pattern finds, and merging checks keeps every failed guard."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import guardrails
from bot.core.guardrails import merge_checks
from bot.core.models import RuleCheck

any_text = st.text(st.characters(codec=None, min_codepoint=0))

_URL_PIECES = "http|HTTP|hTtPs|https|s|ſ|://|www.|WwW.|w|h|x.example|/a|)|]|<| |\n|é|.|@"
url_bits = st.lists(st.sampled_from(_URL_PIECES.split("|")), max_size=14).map("".join)

_OLD_GUARD_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(st.one_of(url_bits, any_text))
def test_guard_url_pattern_finds_what_the_case_insensitive_one_found(sample: str) -> None:
    new = [m.span() for m in guardrails._URL.finditer(sample)]
    assert new == [m.span() for m in _OLD_GUARD_URL.finditer(sample)]


def test_guard_url_pattern_keeps_case_folding_beyond_ascii() -> None:
    assert guardrails.links_in("see httpſ://evil.example now") == ["httpſ://evil.example"]
    assert guardrails.links_in("WWW.Evil.example") == ["WWW.Evil.example"]


def _merge_plainly(lint_checks: list[RuleCheck], guards: list[RuleCheck]) -> tuple[RuleCheck, ...]:
    by_name = {g.rule: g for g in guards}
    merged = [by_name[c.rule] if c.ok and not by_name.get(c.rule, c).ok else c for c in lint_checks]
    names = {c.rule for c in lint_checks}
    merged += [g for g in guards if not g.ok and g.rule not in names]
    return tuple(merged)


checks = st.lists(
    st.builds(
        RuleCheck,
        st.sampled_from(["thanks", "length", "allowlist", "handles"]),
        st.booleans(),
        st.sampled_from(["a", "b"]),
    ),
    max_size=6,
)


@given(checks, checks)
def test_merge_checks_keeps_failed_guards_as_a_plain_merge_would(
    lint_checks: list, guards: list
) -> None:
    assert merge_checks(lint_checks, guards) == _merge_plainly(lint_checks, guards)
