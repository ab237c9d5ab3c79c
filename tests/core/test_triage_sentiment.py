"""The lean sentiment scorer agrees with VADER's reference `polarity_scores`."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.core.sentiment import compound
from tests.shared_data import complaint_sample

VADER = SentimentIntensityAnalyzer()


def reference(text: str) -> float:
    return float(VADER.polarity_scores(text)["compound"])


def test_real_tweets_score_as_vader_scores_them() -> None:
    pairs = [(reference(t), compound(t)) for t in (row["text"] for row in complaint_sample())]
    clear = [(ref, mine) for ref, mine in pairs if abs(ref) > 0.3]
    assert len(clear) >= 30  # the sample has enough clearly-toned tweets to judge
    assert sum((ref > 0) == (mine > 0) for ref, mine in clear) / len(clear) >= 0.95
    close = sum(abs(ref - mine) < 0.01 for ref, mine in pairs)
    assert close / len(pairs) >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "The parcel was good.",
        "The parcel was not good.",  # negation
        "The parcel was very good.",  # booster
        "The parcel was kind of good.",  # dampener
        "The parcel was VERY GOOD, the driver was nice.",  # capitals among lower case
        "The driver was nice, but the parcel was awful.",  # "but" shifts the weight
        "Worst delivery ever!!!",  # exclamation emphasis
        "Is this a joke?? Where is my refund??",  # question-mark emphasis
        "No help at all",  # "no" before a word
        "At least it isn't a horrible parcel.",  # "least" and "n't"
        "It never so much as arrived, great",  # "never so"
        "thanks 👍",  # emoji read through its description
    ],
)
def test_the_rules_of_vader_give_its_score(text: str) -> None:
    assert compound(text) == pytest.approx(reference(text), abs=1e-3)


def test_negation_flips_and_boosters_strengthen() -> None:
    good, not_good, very_good = (compound(f"it was {w} good") for w in ("", "not", "very"))
    assert not_good < 0 < good < very_good


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_scores_between_minus_one_and_one(text: str) -> None:
    score = compound(text)
    assert -1.0 <= score <= 1.0
    assert not math.isnan(score)
