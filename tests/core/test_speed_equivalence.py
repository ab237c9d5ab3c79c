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


def _as_first_written(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The phrase pattern without its "(?=\\w)" look-ahead, as it was first compiled."""
    assert r"\b(?=\w)(?:" in pattern.pattern
    return re.compile(pattern.pattern.replace(r"\b(?=\w)(?:", r"\b(?:", 1))


_PHRASE_WORDS = (  # noqa: SIM905 - a word list reads better as one string
    "thanks thank you could can you please try we'll we’ll dm us as we already said per our "
    "policy dear valued customer not our fault never arrived charged twice site is down "
    "log in money back would be nice should follow back 10/10 help! ñ é 5 stars am trying to"
).split()
phrase_text = st.lists(
    st.one_of(
        st.sampled_from(_PHRASE_WORDS), st.sampled_from([" ", "  ", "\n", ",", "'", "-", "?"])
    ),
    max_size=25,
).map("".join)


def _phrase_tables() -> list[re.Pattern[str]]:
    from bot.core import rule_phrases as p
    from bot.core import triage as t

    tables = [p.THANKS, p.SOLUTION, p.SECOND_PERSON, p.DEFENSIVE, p.ROBOTIC]
    return tables + [table.pattern for table in t._PHRASE_TABLES]


@settings(max_examples=300, deadline=None)
@given(st.one_of(phrase_text, any_text))
def test_phrase_tables_match_what_they_matched_before_the_look_ahead(sample: str) -> None:
    for pattern in _phrase_tables():
        old = _as_first_written(pattern)
        found = [(m.span(), m.lastgroup) for m in pattern.finditer(sample)]
        assert found == [(m.span(), m.lastgroup) for m in old.finditer(sample)]


_LINK_PIECES = "https://|HTTP://|hTtPs://|http|s|h|x|_|@|/|.|a.example|://|:/|( |)|é| |\n"
link_bits = st.lists(st.sampled_from(_LINK_PIECES.split("|")), max_size=16).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(link_bits, any_text))
def test_url_matches_from_each_scheme_separator_are_what_finditer_finds(sample: str) -> None:
    found = [m.span() for m in text._url_matches(sample)]
    assert found == [m.span() for m in text._URL.finditer(sample)]


def test_url_matches_skip_a_separator_inside_an_earlier_link() -> None:
    sample = "a https://x.example/?next=http://y.example b http://z.example"
    found = [m.group() for m in text._url_matches(sample)]
    assert found == ["https://x.example/?next=http://y.example", "http://z.example"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(phrase_text, any_text))
def test_needle_cues_agree_with_searching_the_single_spaced_text(sample: str) -> None:
    from bot.core import rule_phrases, rules

    words = sample.lower()
    spaced = " ".join(words.split())
    for needles, cues in (
        (rule_phrases.DEFENSIVE_NEEDLES, rules._DEFENSIVE_CUES),
        (rule_phrases.ROBOTIC_NEEDLES, rules._ROBOTIC_CUES),
    ):
        assert rules._has_cue(words, cues) == rules._any_of(spaced, needles)


def test_a_two_word_needle_is_found_across_any_whitespace() -> None:
    from bot.core import rules

    assert rules._has_cue("well, you\n\tshould have", rules._DEFENSIVE_CUES)
    assert not rules._has_cue("this should help", rules._DEFENSIVE_CUES)
