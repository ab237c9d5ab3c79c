"""What each check is called where a person reads it (cards, `careops lint`). Its own
module so that `careops lint` does not load what a card needs (link policy, X costs)."""

from __future__ import annotations

# A check's `why` completes its label, so a line reads "<label>: <why>"
# ("Fits the network: 212/280 characters").
RULE_LABELS: dict[str, str] = {
    "fast": "Fast",
    "thanks": "Thanks the customer",
    "solution": "Suggests a solution",
    "not_defensive": "Not defensive",
    "human": "Sounds human",
    "link": "Helpful link",
    "length": "Fits the network",
    "by_hand": "Answer by hand",
    # guardrails (bot/core/guardrails.py): shown when one fails
    "allowlist": "Only our own links",
    "handles": "No other accounts",
    "prompt_text": "No prompt text",
}
