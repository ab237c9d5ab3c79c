"""Sentiment: VADER's compound score (-1..1) of a post.

VADER (Hutto & Gilbert, ICWSM 2014) is made for short social posts: a lexicon with
boosters, negation, capitals, "but" and emphasis rules. Its analyser is built once, on
first use, so commands that never triage never load its lexicon.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score of the text, -1 (negative) .. 1 (positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])
