"""The terminal review surface `careops demo` uses: cards as text, one key per action."""

from bot.adapters.terminal._input import editor_edit, read_single_key
from bot.adapters.terminal._surface import (
    ReviewTally,
    TerminalReview,
    TerminalSurface,
    needs_answer_by_hand,
    review_unattended,
)

__all__ = [
    "ReviewTally",
    "TerminalReview",
    "TerminalSurface",
    "editor_edit",
    "needs_answer_by_hand",
    "read_single_key",
    "review_unattended",
]
