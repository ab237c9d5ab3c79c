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
class _Head:
    """One logistic regression: a weight per vocabulary index for each class."""

    classes: tuple[str, ...]
    weights: tuple[Mapping[int, float], ...]  # one sparse row per class (binary: one row)
    intercepts: tuple[float, ...]

    def probabilities(self, vector: Mapping[int, float]) -> dict[str, float]:
        scores = [
            sum(value * row.get(index, 0.0) for index, value in vector.items()) + bias
            for row, bias in zip(self.weights, self.intercepts, strict=True)
        ]
        if len(self.classes) == 2 and len(scores) == 1:  # binary: P(second class)
            p = 1.0 / (1.0 + math.exp(-scores[0]))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


@dataclass(frozen=True)
class IntentModel:
    vocabulary: Mapping[str, int]
    idf: Sequence[float]
    complaint: _Head
    kind: _Head
    threshold: float = 0.5  # P(complaint) at or above this is a complaint

    def vector(self, text: str) -> dict[int, float]:
        """Sublinear TF-IDF, L2-normalised, as scikit-learn's TfidfVectorizer makes it."""
        counts = Counter(self.vocabulary[f] for f in features(text) if f in self.vocabulary)
        weighted = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values()))
        return {i: v / norm for i, v in weighted.items()} if norm else {}

    def complaint_probability(self, text: str) -> float:
        return self.complaint.probabilities(self.vector(text))["complaint"]

    def probabilities(self, text: str) -> dict[str, float]:
        """P(complaint), and P(question), P(praise), P(feedback) given it is not one."""
        vector = self.vector(text)
        return {
            "complaint": self.complaint.probabilities(vector)["complaint"],
            **self.kind.probabilities(vector),
        }

    def predict(self, text: str) -> str:
        """complaint, question, praise or feedback."""
        return decide(self.probabilities(text), self.threshold)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntentModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a careops intent model (format {data.get('format')!r})")
        vocabulary = {feature: index for index, feature in enumerate(data["vocabulary"])}
        return cls(
            vocabulary=vocabulary,
            idf=tuple(float(v) for v in data["idf"]),
            complaint=_head(data["heads"]["complaint"]),
            kind=_head(data["heads"]["kind"]),
            threshold=float(data.get("threshold", 0.5)),
        )


def _head(data: Mapping[str, Any]) -> _Head:
    rows = tuple({int(i): float(w) for i, w in row} for row in data["weights"])
    return _Head(tuple(data["classes"]), rows, tuple(float(b) for b in data["intercepts"]))


def read_model(path: Path) -> IntentModel:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return IntentModel.from_dict(json.load(handle))


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
