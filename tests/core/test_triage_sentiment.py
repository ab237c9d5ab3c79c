"""Sentiment is VADER's compound score: what moves it on customer posts."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.sentiment import compound


def test_negation_flips_and_boosters_strengthen() -> None:
    good, not_good, very_good = (compound(f"it was {w} good") for w in ("", "not", "very"))
    assert not_good < 0 < good < very_good


def test_angry_posts_score_low_and_thanks_score_high() -> None:
    assert compound("Worst delivery ever!!! Nobody answers") < -0.6
    assert compound("thanks so much, the driver was lovely 👍") > 0.6


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_text_scores_between_minus_one_and_one(text: str) -> None:
    score = compound(text)
    assert -1.0 <= score <= 1.0
    assert not math.isnan(score)
