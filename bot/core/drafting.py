"""Drafting: ask the primary drafter, check the result, fall back so the loop never stops.

`DraftingService.draft_for(case)` is what the loop and review actions call. Every draft
it returns has been linted (its `checks` are set) and is labelled with the drafter that
made it; a fallback says why in `note`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.core.models import Case, Draft, draft_id_for
from bot.core.ports import Clock, Drafter, DraftRequest
from bot.core.rules import LIMITS, LinkBook, lint

log = logging.getLogger(__name__)


class DraftingService:
    def __init__(
        self,
        primary: Drafter,
        fallback: Drafter,
        links: LinkBook,
        clock: Clock,
        recent_replies: Callable[[int], list[str]] = lambda n: [],
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.links = links
        self.clock = clock
        self.recent_replies = recent_replies

    def request_for(
        self, case: Case, seq: int, *, crisis: bool = False, feedback: Sequence[str] = ()
    ) -> DraftRequest:
        if case.triage is None:
            raise ValueError(f"case {case.id} has no triage yet")
        return DraftRequest(
            case_id=case.id,
            draft_id=draft_id_for(case.id, seq),
            mention=case.mention,
            triage=case.triage,
            max_length=LIMITS[case.network],
            crisis=crisis,
            previous_replies=tuple(self.recent_replies(5)),
            feedback=tuple(feedback),
        )

    def draft_for(self, case: Case, *, crisis: bool = False) -> Draft:
        """A checked draft for the case's next draft slot (case.draft_seq + 1)."""
        request = self.request_for(case, case.draft_seq + 1, crisis=crisis)
        try:
            draft = self.primary.draft(request)
        except Exception as exc:  # the loop must never stop because a drafter failed
            log.warning("drafter %s failed: %s", self.primary.label, type(exc).__name__)
            return self._fallback(request, f"{self.primary.label} failed: {type(exc).__name__}")
        checked = self.check(draft, request)
        if checked.lint.ok or self.primary is self.fallback:
            return checked
        return self._fallback(request, f"{self.primary.label} draft failed rules")

    def check(self, draft: Draft, request: DraftRequest) -> Draft:
        result = lint(
            draft.text,
            network=request.mention.network,
            links=self.links,
            topic=draft.topic or request.triage.topic,
            previous_replies=request.previous_replies,
            customer_handle=request.mention.author_handle,
        )
        return replace(draft, checks=result.checks)

    def _fallback(self, request: DraftRequest, why: str) -> Draft:
        draft = self.fallback.draft(request)
        return replace(self.check(draft, request), note=why)
