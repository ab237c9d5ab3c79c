"""Text helpers pinned against the simpler forms they replaced, on generated text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import text

_STRETCH_AS_FIRST_USED = re.compile(r"(?:[\x00-\x7f]?[^\x00-\x7f])+[\x00-\x7f]?")
mixed = st.lists(
    st.sampled_from(["a", " ", "\r", "\n", "ü", "😡", "\u200d", "日本", "é", "e\u0301", "🇬🇧", "."]),
    max_size=20,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(mixed, st.text(st.characters(codec=None, min_codepoint=0), max_size=40)))
def test_non_ascii_stretches_are_what_the_pattern_found_everywhere(sample: str) -> None:
    assert text._non_ascii_stretches(sample) == _STRETCH_AS_FIRST_USED.findall(sample)


def test_stretches_take_one_ascii_character_either_side() -> None:
    assert text._non_ascii_stretches("ab ü cd 😡") == [" ü ", " 😡"]
    assert text.grapheme_length("Jürgen e\u0301 🇬🇧") == 10
