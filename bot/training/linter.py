"""How often the rule linter agrees with a person's verdicts on real and written replies.

Labelled sets (docs/drafting.md says how they were made):
- `tests/fixtures/linter/replies.jsonl`: replies written for careops, JSON lines with
  `text` and a true/false verdict per rule;
- `labels/twcs_replies.tsv`: verdicts on brand replies of the twcs sample, by reply id.
  Pairs 600-699 and 720-799 were read while the rules were written; the last 50 rows
  (pairs 820-869) were labelled after the rules were done and are never tuned to, so
  they show how the rules do on replies they have not seen.

`python -m bot.training.linter [--twcs PATH]` prints the agreement table.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.models import Network
from bot.core.rules import LinkBook, lint

TEXT_RULES = ("thanks", "solution", "not_defensive", "human")
LABELS = Path(__file__).with_name("labels") / "twcs_replies.tsv"
HELD_OUT = 50  # the last 50 rows of the tsv: labelled after the rules were written
BOOK = LinkBook.from_mapping({"general": "https://help.example/"})


@dataclass(frozen=True)
class Labelled:
    text: str
    verdicts: Mapping[str, bool]


@dataclass(frozen=True)
class Agreement:
    name: str
    n: int
    agreed: Mapping[str, int]
    misses: Mapping[str, tuple[str, ...]]

    def share(self, rule: str) -> float:
        return self.agreed[rule] / self.n if self.n else 0.0


def read_written(path: Path) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [Labelled(r["text"], {rule: bool(r[rule]) for rule in TEXT_RULES}) for r in rows]


def read_twcs(pairs: Path, labels: Path = LABELS) -> tuple[list[Labelled], list[Labelled]]:
    """(rows read while writing the rules, rows held out from that)."""
    replies = {}
    for line in pairs.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        replies[str(row["reply_id"])] = row["reply_text"]
    rows = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        reply_id, *marks = line.split("\t")
        verdicts = {rule: mark == "1" for rule, mark in zip(TEXT_RULES, marks, strict=True)}
        rows.append(Labelled(replies[reply_id], verdicts))
    return rows[:-HELD_OUT], rows[-HELD_OUT:]


def agreement(name: str, rows: Sequence[Labelled]) -> Agreement:
    agreed = dict.fromkeys(TEXT_RULES, 0)
    misses: dict[str, list[str]] = {rule: [] for rule in TEXT_RULES}
    for row in rows:
        checks = {c.rule: c.ok for c in lint(row.text, network=Network.X, links=BOOK).checks}
        for rule in TEXT_RULES:
            if checks[rule] == row.verdicts[rule]:
                agreed[rule] += 1
            else:
                misses[rule].append(row.text)
    return Agreement(name, len(rows), agreed, {r: tuple(m) for r, m in misses.items()})


def table(results: Iterable[Agreement]) -> str:
    lines = ["| set | n | " + " | ".join(TEXT_RULES) + " |", "|---|---:|" + "---:|" * 4]
    for result in results:
        shares = " | ".join(f"{result.share(rule) * 100:.0f}%" for rule in TEXT_RULES)
        lines.append(f"| {result.name} | {result.n} | {shares} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[2]
    parser.add_argument(
        "--written", type=Path, default=root / "tests/fixtures/linter/replies.jsonl"
    )
    parser.add_argument("--twcs", type=Path, default=Path("../shared/data/twcs/pairs.jsonl"))
    args = parser.parse_args(argv)
    results = [agreement("written for careops", read_written(args.written))]
    if args.twcs.exists():
        seen, held_out = read_twcs(args.twcs)
        results += [
            agreement("twcs brand replies, read while writing the rules", seen),
            agreement("twcs brand replies, held out", held_out),
            agreement("all", [*read_written(args.written), *seen, *held_out]),
        ]
    print(table(results))
    for result in results[1:3]:
        for rule, texts in result.misses.items():
            for text in texts:
                print(f"- {result.name}, {rule}: {' '.join(text.split())[:160]}")


if __name__ == "__main__":
    main()
