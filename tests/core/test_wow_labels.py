"""The labelled set wow detection is measured on (bot/training/wow.py, docs/drafting.md):
well formed here; against the corpora, where they are present, precision stays first."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.core.models import Mention, Network
from bot.core.people import History, Person
from bot.training.wow import Post, evaluate, main, read_labels
from tests.shared_data import SHARED_DATA

KINDS = {"milestone", "loyal", "thanks_after_solved", "bad_day", "none"}


def test_every_label_names_a_post_of_a_corpus_once_with_a_known_kind() -> None:
    labels = read_labels()
    assert len(labels) > 400 and {corpus for corpus, _ in labels} == {"twcs", "complaints"}
    assert set(labels.values()) == KINDS
    assert Counter(labels.values())["none"] < len(labels)


def post(post_id: str, text: str) -> Post:
    mention = Mention(Network.X, post_id, "ana", text, datetime(2026, 11, 25, tzinfo=UTC))
    return Post("twcs", post_id, mention, History(Person(Network.X, "ana")))


def test_the_scores_count_flagged_right_and_missed_posts() -> None:
    posts = [
        post("1", "@brand it's my birthday and the cake came early, thank you!"),  # right
        post("2", "@brand we just had a baby, the pram came today, lovely"),  # flagged, not one
        post("3", "@brand thanks, much appreciated"),  # missed
        post("4", "@brand where is my parcel?"),
    ]
    labels = {("twcs", "1"): "milestone", ("twcs", "3"): "thanks_after_solved"}
    scores, lines = evaluate(posts, labels)
    every = scores["all"]
    assert (every.tp, every.fp, every.fn) == (1, 1, 1)
    assert every.precision == 0.5 and every.recall == 0.5
    assert any(line.startswith("NOT LABELLED twcs 2") for line in lines)


def test_against_the_corpora_precision_stays_above_nine_in_ten(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not (SHARED_DATA / "twcs" / "twcs_sample.csv").exists():
        pytest.skip(f"tweet corpora not present under {SHARED_DATA}")
    main(["--data", str(SHARED_DATA)])
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| all"))
    precision = int(row.split("|")[5].strip().rstrip("%"))
    assert precision >= 90, row
