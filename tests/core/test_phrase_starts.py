"""Phrase tables open on a look-ahead for the letters their phrases can begin with.

Two things keep that from changing any verdict: every letter an alternative can start
with is in the table's `starts` (worked out here from the parsed pattern, so a phrase
added later with a new first letter fails this test), and the narrowed patterns find
exactly what the `(?=\\w)` versions they replaced found, on generated text.
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import rule_phrases as P
from bot.core import triage
from bot.core import triage_words as W


def _first_letters(items: Any) -> set[str] | None:
    """Characters a parsed pattern can start with; None when it could start empty."""
    found: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            return found | {chr(av)}
        if op is C.IN:
            letters: set[str] = set()
            for kind, value in av:
                if kind is C.LITERAL:
                    letters.add(chr(value))
                elif kind is C.RANGE:
                    letters |= {chr(c) for c in range(value[0], value[1] + 1)}
                else:
                    raise AssertionError(f"unexpected set member {kind}")
            return found | letters
        if op is C.SUBPATTERN:
            inner = _first_letters(av[3])
            if inner is None:
                return None
            return found | inner
        if op is C.BRANCH:
            for branch in av[1]:
                inner = _first_letters(branch)
                if inner is None:
                    return None
                found |= inner
            return found
        if op in (C.ASSERT, C.ASSERT_NOT, C.AT):  # zero-width: look at what follows
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            inner = _first_letters(av[2])
            if inner is None:
                return None
            found |= inner
            if av[0] >= 1:
                return found
            continue
        raise AssertionError(f"unexpected pattern element {op}")
    return None


def _alternation(pattern: str) -> str:
    """The alternatives of a `(?=[...])\\b(?=\\w)(?:...)(?!\\w)` pattern."""
    head = re.match(r"\(\?=\[[^\]]+\]\)\\b\(\?=\\w\)", pattern)
    assert head is not None, pattern
    return pattern[head.end() :]


_RULE_TABLES = {"SOLUTION": P.SOLUTION, "DEFENSIVE": P.DEFENSIVE, "ROBOTIC": P.ROBOTIC}
_TRIAGE_TABLES = {t.key: t.pattern for t in triage._PHRASE_TABLES if t.key != "topic"}
_STARTS = {
    "SOLUTION": P.SOLUTION_STARTS,
    "DEFENSIVE": P.DEFENSIVE_STARTS,
    "ROBOTIC": P.ROBOTIC_STARTS,
    "complaint": W.COMPLAINT_STARTS,
    "praise": W.PRAISE_STARTS,
    "feedback": W.FEEDBACK_STARTS,
    "spam": W.SPAM_STARTS,
    "risk": W.RISK_STARTS,
}
_NARROWED = {**_RULE_TABLES, **_TRIAGE_TABLES}


@pytest.mark.parametrize("name", sorted(_NARROWED))
def test_every_first_letter_of_a_table_is_in_its_starts(name: str) -> None:
    pattern = _NARROWED[name].pattern
    letters = _first_letters(sre.parse(_alternation(pattern)))
    assert letters, f"{name}: first letters unknown"
    assert letters <= set(_STARTS[name]), f"{name} misses {sorted(letters - set(_STARTS[name]))}"
    assert pattern.startswith(f"(?=[{_STARTS[name]}])")


def test_first_letters_sees_through_optional_openings() -> None:
    assert _first_letters(sre.parse(r"(?:muchas\s+)?gracias|(?<!to )try")) == {"m", "g", "t"}
    assert _first_letters(sre.parse(r"(?:x)?")) is None


# Reference copies: the patterns as built before `starts` (look-ahead for any word char).
def _reference(pattern: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?=\w)" + _alternation(pattern.pattern))


_REFERENCES = {name: _reference(p) for name, p in _NARROWED.items()}


def _reference_phrases_before(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?=\w)(?:" + "|".join(patterns) + r")(?!\w)")


def test_reference_copy_is_the_pattern_as_first_built() -> None:
    assert (
        _REFERENCES["complaint"].pattern == _reference_phrases_before(*W.COMPLAINT_PHRASES).pattern
    )


_PIECES = (
    "can you dm us", "please try", "we'll", "you should have", "not our fault", "dear customer",
    "still waiting", "never arrived", "thank you", "would love", "promo code", "charged twice",
    "my bank", "site is down", "don't", "can't", "é", "x", "_", "1", "10/10", "5 stars",
    "  ", " ", "\n", ".", "!", "'", "’", "tried", "try", "are try", "écrivez-nous",
)  # fmt: skip
phrase_text = st.lists(st.sampled_from(_PIECES), max_size=12).map(" ".join)
any_text = st.text(st.characters(codec=None, min_codepoint=0), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(phrase_text, any_text))
def test_narrowed_tables_find_what_the_word_lookahead_found(sample: str) -> None:
    sample = sample.lower()
    for name, pattern in _NARROWED.items():
        expected = [(m.span(), m.lastgroup) for m in _REFERENCES[name].finditer(sample)]
        assert [(m.span(), m.lastgroup) for m in pattern.finditer(sample)] == expected, name
