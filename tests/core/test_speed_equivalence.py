"""Faster implementations pinned against the ones they replaced, on generated text.

Each test keeps the first version of a pattern or helper verbatim and checks that the
current one gives exactly the same answer.
"""

from __future__ import annotations

import re

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import guardrails, text
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


_LETTER = regex.compile(r"\p{L}")
_UPPER = regex.compile(r"\p{Lu}")
mixed = st.lists(
    st.sampled_from(["Maria", "JÜRGEN", "ünd", "DM", " ", "😡", "ǅ", "Ⓐ", "日本", "ΣΑ", "\ud800"]),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(mixed, any_text))
def test_count_letters_matches_counting_every_character_by_regex(sample: str) -> None:
    expected = (len(_UPPER.findall(sample)), len(_LETTER.findall(sample)))
    assert text.count_letters(sample) == expected


def _merge_as_first_written(
    lint_checks: list[RuleCheck], guards: list[RuleCheck]
) -> tuple[RuleCheck, ...]:
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
def test_merge_checks_matches_the_first_version(lint_checks: list, guards: list) -> None:
    assert merge_checks(lint_checks, guards) == _merge_as_first_written(lint_checks, guards)
