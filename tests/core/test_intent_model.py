"""The intent model: the shipped weights score as scikit-learn does, and sort plain posts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.core.intent import MODEL_PATH, IntentModel, features, read_model, shipped_model
from bot.training.intent import export, fit, load_corpus, written_examples
from tests.shared_data import COMPLAINTS, SHARED_DATA

TWCS_PAIRS = SHARED_DATA / "twcs" / "pairs.jsonl"


def test_exported_weights_score_exactly_as_scikit_learn() -> None:
    examples = written_examples()  # in the repository: no corpus needed
    fitted = fit(examples)
    model = IntentModel.from_dict(export(fitted))
    texts = [e.text for e in examples[::7]] + ["", "🙄🙄", "ok"]
    for text, expected in zip(texts, fitted.complaint_probability(texts), strict=True):
        assert model.complaint_probability(text) == pytest.approx(float(expected), abs=1e-4)
    assert [model.predict(t) for t in texts] == fitted.predict(texts)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("my order never arrived and nobody answers my emails", "complaint"),
        ("how do I change the address on my account?", "question"),
        ("thank you so much, the team was brilliant today", "praise"),
        ("it would be great if the app had a dark mode", "feedback"),
    ],
)
def test_the_shipped_model_sorts_plain_posts(text: str, intent: str) -> None:
    assert shipped_model().predict(text) == intent


def test_features_name_words_pairs_letter_groups_and_cues() -> None:
    found = features("@brand Still waiting?? https://t.co/x 123")
    assert {"user", "still", "waiting", "still waiting", "?", "url", "0"} <= set(found)
    assert "#wai" in found and "cue:strong" in found


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"format": "something-else"}, handle)
    with pytest.raises(ValueError, match="not a careops intent model"):
        read_model(path)


@pytest.mark.slow
def test_careops_train_reproduces_the_shipped_model() -> None:
    if not (COMPLAINTS.exists() and TWCS_PAIRS.exists()):
        pytest.skip(f"training corpora not present under {SHARED_DATA}")
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as handle:
        shipped = json.load(handle)
    trained = export(fit(load_corpus(COMPLAINTS, TWCS_PAIRS).examples))
    assert trained["vocabulary"] == shipped["vocabulary"]
    for head in ("complaint", "kind"):
        ours, theirs = trained["heads"][head], shipped["heads"][head]
        assert ours["intercepts"] == pytest.approx(theirs["intercepts"], abs=1e-4)
