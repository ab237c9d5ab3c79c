"""Intent from a trained model: is the post a complaint, and if not, a question, praise or
feedback?

The model is two logistic regressions over one TF-IDF vocabulary of words, word pairs
and letter groups (`features`): a *complaint* head (complaint or not) and a *kind* head
(question, praise or feedback) for the rest. `careops train` fits it with scikit-learn
on labelled tweets and writes the weights to `intent_model.json.gz` beside this module;
scoring here is a dot product in plain Python, so triage needs no scikit-learn and the
model is read only when the first post is triaged. How it was trained and how well it
does: docs/drafting.md.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.core import triage_words as W

MODEL_PATH = Path(__file__).with_name("intent_model.json.gz")
FORMAT = "careops-intent-1"

_URL = re.compile(r"https?://\S+")
_HANDLE = re.compile(r"@\w+")
_NUMBER = re.compile(r"\d+")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[^\w\s]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def _table(*parts: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'])(?:{'|'.join(parts)})(?![\w'])")


_CUES: dict[str, re.Pattern[str]] = {
    "strong": _table(*W.COMPLAINT_STRONG_WORDS, *W.COMPLAINT_PHRASES),
    "weak": _table(*W.COMPLAINT_WEAK_WORDS),
    "praise": _table(*W.PRAISE_WORDS, *W.PRAISE_PHRASES),
    "feedback": _table(*W.FEEDBACK_WORDS, *W.FEEDBACK_PHRASES),
    "asks": re.compile(rf"^\W*(?:@user\W+)*(?:{W.QUESTION_START})\b"),
    "sad": re.compile(W.SAD),
    "happy": re.compile(W.PRAISE_EMOJI),
}


def normalise(text: str) -> str:
    """Lower case; links, @handles and numbers stand for their kind, not their value."""
    text = _URL.sub(" url ", text)
    text = _HANDLE.sub(" @user ", text)
    text = text.lower().replace("’", "'")
    return _NUMBER.sub("0", text)


def features(text: str) -> list[str]:
    """Words and symbols (emoji, "?", "!"), adjacent pairs of them, the 3- and 4-letter
    groups of each word ("#<lo", "#los" ...), which carry a misspelt or inflected word
    ("refnd", "cancelling") to what the model learnt, and one feature per word-table cue
    ("cue:strong" ...), so what the tables know about kinds of posts reaches the model."""
    plain = normalise(text)
    tokens = _TOKEN.findall(plain)
    found = tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    for word in _WORD.findall(plain):
        marked = f"<{word}>"
        for size in (3, 4):
            found += [f"#{marked[i : i + size]}" for i in range(len(marked) - size + 1)]
    for name, pattern in _CUES.items():
        found += [f"cue:{name}"] * len(pattern.findall(plain))
    return found


@dataclass(frozen=True)
class IntentModel:
    """The weights as columns over the vocabulary: a feature's position, then its idf, its
    complaint weight and one weight per kind at that position (read at start-up of
    `careops triage`, so kept as plain lists: no per-feature objects to build)."""

    index: Mapping[str, int]  # feature -> its position in the columns
    idf: Sequence[float]
    weights: Sequence[Sequence[float]]  # the complaint head's column, then one per kind
    kinds: tuple[str, ...]  # the kind head's classes, in the columns' order
    complaint_bias: float
    kind_biases: tuple[float, ...]
    threshold: float = 0.5  # P(complaint) at or above this is a complaint

    def probabilities(self, text: str) -> dict[str, float]:
        """P(complaint), and P(question), P(praise), P(feedback) given it is not one.

        Sublinear TF-IDF, L2-normalised, as scikit-learn's TfidfVectorizer makes it, then
        a logistic regression per head."""
        found = [
            ((1.0 + math.log(n)) * self.idf[i], i)
            for feature, n in Counter(features(text)).items()
            if (i := self.index.get(feature)) is not None
        ]
        norm = math.sqrt(sum(value * value for value, _ in found)) or 1.0
        scores = [self.complaint_bias, *self.kind_biases]
        for value, i in found:
            for k, column in enumerate(self.weights):
                scores[k] += value / norm * column[i]
        complaint = 1.0 / (1.0 + math.exp(-scores[0]))
        top = max(scores[1:])
        exps = [math.exp(s - top) for s in scores[1:]]
        total = sum(exps)
        return {
            "complaint": complaint,
            **{k: e / total for k, e in zip(self.kinds, exps, strict=True)},
        }

    def complaint_probability(self, text: str) -> float:
        return self.probabilities(text)["complaint"]

    def predict(self, text: str) -> str:
        """complaint, question, praise or feedback."""
        return decide(self.probabilities(text), self.threshold)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntentModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a careops intent model (format {data.get('format')!r})")
        complaint, kind = data["heads"]["complaint"], data["heads"]["kind"]
        vocabulary = data["vocabulary"]
        if len(data["idf"]) != len(vocabulary):
            raise ValueError("not a careops intent model (one idf per feature expected)")
        columns = []
        for sparse in [complaint["weights"][0], *kind["weights"]]:
            column = [0.0] * len(vocabulary)
            for i, weight in sparse:
                column[int(i)] = float(weight)
            columns.append(column)
        return cls(
            index={feature: i for i, feature in enumerate(vocabulary)},
            idf=[float(v) for v in data["idf"]],
            weights=columns,
            kinds=tuple(kind["classes"]),
            complaint_bias=float(complaint["intercepts"][0]),
            kind_biases=tuple(float(b) for b in kind["intercepts"]),
            threshold=float(data.get("threshold", 0.5)),
        )


def read_model(path: Path) -> IntentModel:
    return IntentModel.from_dict(json.loads(gzip.decompress(path.read_bytes())))


@lru_cache(maxsize=1)
def shipped_model() -> IntentModel:
    """The model in the package, read once, on first use."""
    return read_model(MODEL_PATH)


def decide(probabilities: Mapping[str, float], threshold: float = 0.5) -> str:
    """Complaint at or above the threshold, else the likeliest other kind."""
    if probabilities["complaint"] >= threshold:
        return "complaint"
    kinds = {k: p for k, p in probabilities.items() if k != "complaint"}
    return max(kinds, key=lambda k: kinds[k])
