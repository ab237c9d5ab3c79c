"""The five-rule linter (DESIGN §1) and network length limits.

STUB: the full linter is being written; the public names below are the contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.models import LintResult, Network, RuleCheck

LIMITS: dict[Network, int] = {Network.X: 280, Network.BLUESKY: 300, Network.MASTODON: 500}
RULES: tuple[str, ...] = ("thanks", "solution", "not_defensive", "human", "link", "length")


@dataclass(frozen=True)
class LinkBook:
    """Topic -> help URL, from prompts/links.yaml: the only links a reply may carry."""

    topics: Mapping[str, str] = field(default_factory=dict)

    def url_for(self, topic: str) -> str | None:
        return self.topics.get(topic) or self.topics.get("general")

    def allows(self, url: str) -> bool:
        return url.rstrip("/.,)") in {u.rstrip("/") for u in self.topics.values()}


def measure(text: str, network: Network) -> int:
    """Length as the network counts it (X: URLs 23, weighted; Bluesky: graphemes)."""
    return len(text)


def lint(
    text: str,
    *,
    network: Network,
    links: LinkBook,
    topic: str = "general",
    previous_replies: Sequence[str] = (),
    customer_handle: str | None = None,
) -> LintResult:
    checks = [RuleCheck(rule, True, "stub") for rule in RULES]
    return LintResult(tuple(checks))
