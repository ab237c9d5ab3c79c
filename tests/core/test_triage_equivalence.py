"""Triage shortcuts pinned against the full work they skip, on generated text."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import sentiment, triage

digits = st.text(st.sampled_from("0123456789٣²①５"), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.one_of(digits, st.sampled_from(["10", "502", "503", "1000", "5020", "0502"])))
def test_a_number_counts_towards_what_every_table_says(token: str) -> None:
    assert token.isdigit()
    assert triage._words[token] == triage._word(token)


def test_numbers_are_not_cached_but_short_cues_still_count() -> None:
    assert triage._words["503"] == ("risk_outage", "topic_outage")
    assert triage._words["10"] == ("anchor_1",)  # "10/10" is praise
    triage._words["48213"]
    assert "48213" not in triage._words


def _emoji_table_as_first_built() -> dict[int, str]:
    from vaderSentiment import vaderSentiment as vs

    emojis = vs.SentimentIntensityAnalyzer().emojis
    return {ord(e): f" {d} " for e, d in emojis.items() if len(e) == 1}


_FIRST_EMOJI_TABLE = _emoji_table_as_first_built()
posts = st.lists(
    st.sampled_from(["late", " ", "😡", "🙏", "©", "®", "é", "’", "❤️", "日本", "\x00", "ǅ"]),
    max_size=15,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(posts, st.text(st.characters(codec=None, min_codepoint=0), max_size=40)))
def test_emoji_table_spells_out_what_the_first_one_did(text: str) -> None:
    assert text.translate(sentiment._tables().emoji) == text.translate(_FIRST_EMOJI_TABLE)


def test_emoji_table_still_describes_latin_1_emoji() -> None:
    assert "©".translate(sentiment._tables().emoji) == " copyright "


def _vader_word_as_first_written(token: str) -> str:
    stripped = token.strip(string.punctuation)
    return token if len(stripped) <= 2 else stripped


@settings(max_examples=300, deadline=None)
@given(st.one_of(digits, st.text(st.sampled_from("0123456789.,!?:)(-'#"), min_size=1)))
def test_sentiment_reads_numbers_as_before_without_keeping_them(token: str) -> None:
    assert sentiment._words[token] == _vader_word_as_first_written(token)
    if token.isdigit():
        assert token not in sentiment._words
