"""Train the intent model (bot/core/intent.py) with scikit-learn, and measure it.

Training data, all labelled by hand (docs/drafting.md says how):
- the complaints corpus (Preoţiuc-Pietro, Găman and Aletras, ACL 2019): complaint or not;
- customer tweets of the twcs sample, labelled complaint, question, praise, feedback or
  other (`labels/twcs_intent.tsv`, by tweet id: the tweets stay outside the repository);
- short posts written for careops (`labels/written.jsonl`): suggestions, thanks,
  questions, and complaints worded as praise ("great job losing my bag again 🙄").

The complaint head learns from all three (twcs "other" counts as not a complaint); the
kind head (question, praise, feedback) from the last two.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold

from bot.core.intent import FORMAT, features

LABELS = Path(__file__).with_name("labels")
KINDS = ("feedback", "praise", "question")
INTENTS = ("complaint", "question", "praise", "feedback")
C_COMPLAINT = 3.0
C_KIND = 10.0
FOLDS = 5


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # complaint, question, praise, feedback, other, or "not_complaint"
    source: str  # complaints, twcs, written


@dataclass
class Corpus:
    examples: list[Example] = field(default_factory=list)

    def of(self, source: str) -> list[Example]:
        return [e for e in self.examples if e.source == source]


def load_corpus(complaints: Path, twcs_pairs: Path) -> Corpus:
    """Every labelled example; a corpus file that is missing raises FileNotFoundError."""
    corpus = Corpus()
    for line in complaints.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        label = "complaint" if row["is_complaint"] else "not_complaint"
        corpus.examples.append(Example(row["text"], label, "complaints"))
    texts = {}
    for line in twcs_pairs.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts[str(row["inbound_id"])] = row["inbound_text"]
    for line in (LABELS / "twcs_intent.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        tweet_id, intent = line.split("\t")
        corpus.examples.append(Example(texts[tweet_id], intent, "twcs"))
    corpus.examples += written_examples()
    return corpus


def written_examples() -> list[Example]:
    lines = (LABELS / "written.jsonl").read_text(encoding="utf-8").splitlines()
    return [Example(row["text"], row["intent"], "written") for row in map(json.loads, lines)]


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=2)


@dataclass
class Fitted:
    vectorizer: TfidfVectorizer
    complaint: LogisticRegression
    kind: LogisticRegression

    def predict(self, texts: Sequence[str]) -> list[str]:
        x = self.vectorizer.transform(texts)
        complaint = self.complaint.predict_proba(x)[:, 1] >= 0.5
        kinds = self.kind.predict(x)
        return ["complaint" if c else str(k) for c, k in zip(complaint, kinds, strict=True)]

    def complaint_probability(self, texts: Sequence[str]) -> Any:
        return self.complaint.predict_proba(self.vectorizer.transform(texts))[:, 1]


def fit(examples: Sequence[Example]) -> Fitted:
    vectorizer = _vectorizer()
    x = vectorizer.fit_transform([e.text for e in examples])
    y = np.array([e.intent == "complaint" for e in examples], dtype=int)
    complaint = LogisticRegression(C=C_COMPLAINT, max_iter=3000, class_weight="balanced")
    complaint.fit(x, y)
    kind_rows = [i for i, e in enumerate(examples) if e.intent in KINDS]
    kind = LogisticRegression(C=C_KIND, max_iter=3000, class_weight="balanced")
    kind.fit(x[kind_rows], [examples[i].intent for i in kind_rows])
    return Fitted(vectorizer, complaint, kind)


def export(model: Fitted) -> dict[str, Any]:
    """The weights as plain JSON for bot.core.intent.IntentModel."""
    vocabulary = sorted(model.vectorizer.vocabulary_, key=model.vectorizer.vocabulary_.__getitem__)

    def sparse(row: Any) -> list[list[float]]:
        return [[int(i), round(float(w), 5)] for i, w in enumerate(row) if abs(w) >= 1e-5]

    return {
        "format": FORMAT,
        "vocabulary": vocabulary,
        "idf": [round(float(v), 5) for v in model.vectorizer.idf_],
        "threshold": 0.5,
        "heads": {
            "complaint": {
                "classes": ["not_complaint", "complaint"],
                "weights": [sparse(model.complaint.coef_[0])],
                "intercepts": [float(model.complaint.intercept_[0])],
            },
            "kind": {
                "classes": [str(c) for c in model.kind.classes_],
                "weights": [sparse(row) for row in model.kind.coef_],
                "intercepts": [float(b) for b in model.kind.intercept_],
            },
        },
    }


def write_model(model: Fitted, path: Path) -> None:
    data = json.dumps(export(model), ensure_ascii=False, separators=(",", ":"))
    # No file name or time in the gzip header: the same data always gives the same bytes.
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as z:
        z.write(data.encode("utf-8"))


@dataclass
class Scores:
    macro_f1: float
    precision: float  # of the complaint class
    recall: float
    n: int

    def line(self) -> str:
        return (
            f"macro F1 {self.macro_f1:.3f}, complaint precision {self.precision:.3f}, "
            f"recall {self.recall:.3f} (n={self.n})"
        )


def complaint_scores(truth: Sequence[str], predicted: Sequence[str]) -> Scores:
    y = [t == "complaint" for t in truth]
    p = [t == "complaint" for t in predicted]
    return Scores(
        float(f1_score(y, p, average="macro")),
        float(precision_score(y, p, zero_division=0)),
        float(recall_score(y, p, zero_division=0)),
        len(y),
    )


@dataclass
class Report:
    cv_complaints: Scores
    cv_twcs: Scores
    held_out_twcs: Scores
    intent_macro_f1: float
    confusion: list[list[int]]
    n_intent: int

    def markdown(self) -> str:
        head = "| predicted → | " + " | ".join(INTENTS) + " |"
        rows = [head, "|---|" + "---:|" * len(INTENTS)]
        for intent, counts in zip(INTENTS, self.confusion, strict=True):
            rows.append(f"| **{intent}** | " + " | ".join(str(n) for n in counts) + " |")
        return "\n".join(
            [
                f"- complaint or not, {FOLDS}-fold cross-validation, complaints corpus: "
                + self.cv_complaints.line(),
                f"- complaint or not, {FOLDS}-fold cross-validation, twcs tweets: "
                + self.cv_twcs.line(),
                "- complaint or not, trained without any twcs tweet, tested on the twcs "
                "tweets: " + self.held_out_twcs.line(),
                f"- four intents, {FOLDS}-fold cross-validation, twcs tweets (not 'other'): "
                f"macro F1 {self.intent_macro_f1:.3f} (n={self.n_intent})",
                "",
                "Intent confusion (rows: hand label, columns: model), twcs tweets, "
                "cross-validated:",
                "",
                *rows,
            ]
        )


def evaluate(corpus: Corpus) -> Report:
    """Cross-validated figures: every prediction is for a tweet outside its training fold."""
    pooled = [e for e in corpus.examples if e.source != "written"]
    written = corpus.of("written")
    strata = [f"{e.source}:{e.intent}" for e in pooled]
    predicted = [""] * len(pooled)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=13)
    for train, test in folds.split(pooled, strata):
        model = fit([pooled[i] for i in train] + written)
        for i, label in zip(test, model.predict([pooled[i].text for i in test]), strict=True):
            predicted[i] = label
    by_source: dict[str, tuple[list[str], list[str]]] = {"complaints": ([], []), "twcs": ([], [])}
    for example, label in zip(pooled, predicted, strict=True):
        by_source[example.source][0].append(example.intent)
        by_source[example.source][1].append(label)
    twcs_truth, twcs_predicted = by_source["twcs"]
    four = [(t, p) for t, p in zip(twcs_truth, twcs_predicted, strict=True) if t in INTENTS]
    outside = fit(corpus.of("complaints") + written)
    twcs = corpus.of("twcs")
    return Report(
        cv_complaints=complaint_scores(*by_source["complaints"]),
        cv_twcs=complaint_scores(twcs_truth, twcs_predicted),
        held_out_twcs=complaint_scores(
            [e.intent for e in twcs], outside.predict([e.text for e in twcs])
        ),
        intent_macro_f1=float(
            f1_score([t for t, _ in four], [p for _, p in four], labels=INTENTS, average="macro")
        ),
        confusion=confusion_matrix(
            [t for t, _ in four], [p for _, p in four], labels=INTENTS
        ).tolist(),
        n_intent=len(four),
    )
