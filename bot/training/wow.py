"""How well wow moments are found, on real posts to brands (precision first).

The labelled set, `labels/wow.tsv`, lists by id every post that was read and what it is
(milestone, loyal, thanks_after_solved, bad_day or none): posts to brands in
`twcs/twcs_sample.csv` (inbound tweets) and `complaints/complaints.jsonl` (domains other
than the random ones) whose words could hint at a moment (a birthday, a wedding, thanks,
a rough day ...: SCREEN), all read and labelled by hand. Posts the screen did not pick are
taken as no moment; every post the detector flags must be in the set (the run lists any
that is not, so it gets read and labelled).

Each post goes through triage and `detect` with the history the corpus holds: in twcs,
the author's earlier inbound tweets, answered when a brand tweet replies to them
(complaints.jsonl has no threads, so there a thanks can only show its case was solved
in its own words). The phrase tables were tuned on this same set, after it was
labelled: the figures are those of the tables as they stand, not of unseen posts.

`python -m bot.training.wow [--data ../shared/data] [--show]` prints the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.models import CaseState, Mention, Network
from bot.core.people import Contacts, History, PastCase, Person
from bot.core.triage import triage
from bot.core.wow import detect

LABELS = Path(__file__).with_name("labels") / "wow.tsv"
RANDOM_DOMAINS = ("random_tweet", "random_reply")
SCREEN = re.compile(
    r"birthday|bday|b-day|wedding|married|engaged|baby|newborn|anniversar|first (order|time)"
    r"|years? (with you|as a customer)|customer (for|since)|graduat|new (home|house|job)"
    r"|worst day|terrible day|rough day|bad day|long day|just my luck|of all days"
    r"|can.t catch a break|thank|thx|love you|you guys rock|best",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Post:
    corpus: str
    id: str
    mention: Mention
    history: History


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def _id(value: str) -> str:
    return value.split(".")[0]


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")


def twcs_posts(path: Path) -> list[Post]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    answered: dict[str, datetime] = {}
    for row in rows:
        if row["inbound"] == "False" and row["in_response_to_tweet_id"]:
            answered.setdefault(_id(row["in_response_to_tweet_id"]), _time(row["created_at"]))
    inbound = sorted(
        (r for r in rows if r["inbound"] == "True"), key=lambda r: _time(r["created_at"])
    )
    earlier: dict[str, list[PastCase]] = {}
    posts = []
    for row in inbound:
        tweet, at, author = _id(row["tweet_id"]), _time(row["created_at"]), row["author_id"]
        mention = Mention(Network.X, tweet, author, row["text"], at)
        past = earlier.setdefault(author, [])
        recent = tuple(sorted(past, key=lambda c: c.posted_at, reverse=True))
        history = History(
            Person(Network.X, author), Contacts(len(past), past[0].posted_at if past else None,
                                                 recent)
        )  # fmt: skip
        posts.append(Post("twcs", tweet, mention, history))
        found = triage(mention)
        reply = answered.get(tweet)
        past.append(
            PastCase(
                mention.case_id, Network.X, at,
                CaseState.PUBLISHED if reply else CaseState.IN_REVIEW, found.intent, found.topic,
                (reply - at).total_seconds() if reply else None,
            )
        )  # fmt: skip
    return posts


def complaint_posts(path: Path) -> list[Post]:
    posts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["domain"] in RANDOM_DOMAINS:
            continue
        mention = Mention(
            Network.X, row["id"], "customer", row["text"], datetime.now().astimezone()
        )
        posts.append(Post("complaints", row["id"], mention, History(Person(Network.X, "customer"))))
    return posts


def read_labels(path: Path = LABELS) -> dict[tuple[str, str], str]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        corpus, post_id, kind = line.split("\t")
        labels[(corpus, post_id)] = kind
    return labels


def evaluate(
    posts: Iterable[Post], labels: dict[tuple[str, str], str]
) -> tuple[dict[str, Score], list[str]]:
    """Scores overall ("all") and by kind, and the lines to show. A flagged post is right
    when it is a wow moment of any kind; a kind's row holds the posts labelled so (or,
    labelled none, flagged so)."""
    scores: dict[str, Score] = {}
    lines = []
    for post in posts:
        gold = labels.get((post.corpus, post.id), "none")
        found = detect(post.mention, triage(post.mention), post.history, post.mention.created_at)
        kind = found.kind.value if found else "none"
        if found is not None and (post.corpus, post.id) not in labels:
            lines.append(f"NOT LABELLED {post.corpus} {post.id}: {_short(post.mention.text)}")
        for key in ("all", f"kind {gold if gold != 'none' else kind}"):
            score = scores.setdefault(key, Score())
            score.tp += kind != "none" and gold != "none"
            score.fp += kind != "none" and gold == "none"
            score.fn += kind == "none" and gold != "none"
        if kind != gold:
            lines.append(f"{post.corpus} {post.id} gold {gold}, found {kind}: "
                         f"{_short(post.mention.text)}")  # fmt: skip
    return scores, lines


def _short(text: str) -> str:
    return " ".join(text.split())[:150]


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def table(scores: dict[str, Score]) -> str:
    lines = [
        "| set | flagged | right | missed | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    kinds = sorted(k for k in scores if k.startswith("kind") and k != "kind none")
    for name in ("all", *kinds):
        s = scores.get(name, Score())
        lines.append(
            f"| {name} | {s.tp + s.fp} | {s.tp} | {s.fn} | {pct(s.precision)} | {pct(s.recall)} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--show", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    twcs = args.data / "twcs" / "twcs_sample.csv"
    complaints = args.data / "complaints" / "complaints.jsonl"
    if not twcs.exists() or not complaints.exists():
        print(f"skipped: the corpora are not at {args.data} (twcs/, complaints/); --data PATH")
        return
    labels = read_labels()
    scores, lines = evaluate([*twcs_posts(twcs), *complaint_posts(complaints)], labels)
    print(table(scores))
    for line in lines:
        if args.show or line.startswith("NOT LABELLED"):
            print(line)


if __name__ == "__main__":
    main()
