"""Triage: intent, sentiment, priority, language and topic of a mention.

STUB: the real triage is being written; `triage()` is the contract.
"""

from __future__ import annotations

from bot.core.models import Intent, Mention, Priority, Triage


def triage(mention: Mention) -> Triage:
    return Triage(Intent.QUESTION, 0.0, Priority.NORMAL, "en", "general")
