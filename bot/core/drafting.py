"""Drafting: ask the primary drafter, check the result, repair once, fall back (DESIGN §6).

`DraftingService.draft_for(case)` is what the loop and review actions call. Every draft
it returns has been linted and guarded (its `checks` are set) and is labelled with the
drafter that made it; a fallback says why in `note`.

The order, for a draft from the primary drafter (e.g. OpenAI):

1. the drafter raises `DrafterUnavailable` (refusal, truncation, timeout, 429, 5xx) or
   any other error -> the fallback drafter answers, `note` names the reason;
2. a safety guard fails (link outside links.yaml, another @-handle, prompt text) ->
   fallback at once, no second chance: the model may be following injected text;
3. a rule or the length limit fails -> one repair round with the failed rules fed back
   (`DraftRequest.feedback`); still failing -> fallback, "failed rules after repair".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from bot.core.guardrails import guard, merge_checks, unsafe
from bot.core.models import Case, Draft, Intent, Mention, Network, RuleCheck, draft_id_for
from bot.core.ports import Clock, Drafter, DraftRequest
from bot.core.risk import by_hand_reason
from bot.core.rules import LIMITS, LinkBook, lint
from bot.core.tone import light_tone_ok

log = logging.getLogger(__name__)

# Fallback notes, by failed safety guard.
UNSAFE_NOTES: dict[str, str] = {
    "allowlist": "unsafe link",
    "handles": "unsafe handle",
    "prompt_text": "prompt text in reply",
}
REPAIR_FAILED = "failed rules after repair"
BY_HAND = "none (answer by hand)"


class DrafterUnavailable(Exception):
    """A drafter could not give a usable answer; `reason` becomes the fallback note.

    Reasons in use: "openai refused", "finish_reason length", "timeout", "429", "5xx",
    "bad output". Adapters raise it; the service never lets it escape.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class AnswerByHand(Exception):
    """A drafter cannot write this reply (a language it has no words for ...): a person
    must. `reason` goes on the card."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DraftingService:
    def __init__(
        self,
        primary: Drafter,
        fallback: Drafter,
        links: LinkBook,
        clock: Clock,
        recent_replies: Callable[[int], list[str]] = lambda n: [],
        *,
        examples: Callable[[str, int], list[str]] = lambda text, k: [],
        prompt_texts: Sequence[str] = (),
        brand_handles: Sequence[str] = (),
        link_optional: Collection[Network] = (),
        light_tone: frozenset[str] = frozenset(),
    ) -> None:
        """`light_tone`: what brand.md allows a playful tone for (bot/core/tone.py)."""
        self.primary = primary
        self.fallback = fallback
        self.links = links
        self.clock = clock
        self.recent_replies = recent_replies
        self.examples = examples  # approved replies to similar mentions (text, k)
        # What a reply must never repeat; a drafter that renders prompts may offer its own.
        self.prompt_texts = tuple(prompt_texts) or tuple(getattr(primary, "prompt_texts", ()))
        self.brand_handles = tuple(brand_handles)
        self.link_optional = frozenset(link_optional)
        self.light_tone = light_tone

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
            max_length=reply_limit(case.mention),
            crisis=crisis,
            previous_replies=tuple(self.recent_replies(5)),
            examples=tuple(self._examples_for(case.mention.text)),
            feedback=tuple(feedback),
        )

    def draft_for(self, case: Case, *, crisis: bool = False) -> Draft:
        """A checked draft for the case's next draft slot (case.draft_seq + 1)."""
        return self.draft_request(self.request_for(case, case.draft_seq + 1, crisis=crisis))

    def draft_request(self, request: DraftRequest) -> Draft:
        """Primary drafter, one repair round, then the fallback. Never raises.

        A post a person must answer (self-harm, a legal threat: bot.core.risk) gets no
        draft at all, only the reason, so nobody sends a template by one click."""
        if reason := by_hand_reason(request.triage.tags):
            return self._by_hand(request, reason)
        first = self._attempt(request)
        if isinstance(first, str):
            return self._fallback(request, first)
        if first.lint.ok or self.primary is self.fallback or first.drafter == BY_HAND:
            return first
        if (danger := unsafe(first.checks)) is not None:
            log.warning("draft %s unsafe: %s", request.draft_id, danger.why)
            return self._fallback(request, UNSAFE_NOTES[danger.rule])
        repair = replace(request, feedback=feedback_for(first.lint.failed))
        second = self._attempt(repair)
        if isinstance(second, str):
            return self._fallback(request, second)
        if second.lint.ok:
            repaired = ", ".join(c.rule for c in first.lint.failed)
            return replace(second, note=_join(second.note, f"repaired: {repaired}"))
        if (danger := unsafe(second.checks)) is not None:
            return self._fallback(request, UNSAFE_NOTES[danger.rule])
        return self._fallback(request, REPAIR_FAILED)

    def check(self, draft: Draft, request: DraftRequest) -> Draft:
        """Lint and guard the draft's text; the verdicts replace `draft.checks`."""
        result = lint(
            draft.text,
            network=request.mention.network,
            links=self.links,
            topic=draft.topic or request.triage.topic,
            previous_replies=request.previous_replies,
            customer_handle=request.mention.author_handle,
            # a thank-you needs no link (a crisis reply always points to the status page)
            # and where the network's link policy may send it without (X: never, budget)
            needs_link=(request.triage.intent is not Intent.PRAISE or request.crisis)
            and request.mention.network not in self.link_optional,
            light_tone=light_tone_ok(
                request.triage.intent,
                request.triage.tags,
                crisis=request.crisis,
                scopes=self.light_tone,
            ),
        )
        guards = guard(
            draft.text,
            network=request.mention.network,
            max_length=request.max_length,
            links=self.links,
            customer_handle=request.mention.author_handle,
            prompt_texts=self.prompt_texts,
            brand_handles=self.brand_handles,
        )
        return draft.evolve(checks=merge_checks(result.checks, guards))

    def _attempt(self, request: DraftRequest) -> Draft | str:
        """A checked draft from the primary drafter, or the reason it could not give one."""
        try:
            return self.check(self.primary.draft(request), request)
        except DrafterUnavailable as exc:
            log.warning("drafter %s unavailable: %s", self.primary.label, exc.reason)
            return exc.reason
        except AnswerByHand as exc:
            return self._by_hand(request, exc.reason)
        except Exception as exc:  # the loop must never stop because a drafter failed
            log.warning("drafter %s failed: %s", self.primary.label, type(exc).__name__)
            return f"{self.primary.label} failed: {type(exc).__name__}"

    def _by_hand(self, request: DraftRequest, reason: str) -> Draft:
        return Draft(
            id=request.draft_id,
            case_id=request.case_id,
            text="",
            drafter=BY_HAND,
            created_at=self.clock.now(),
            topic=request.triage.topic,
            checks=(RuleCheck("by_hand", False, reason),),
            note=f"answer by hand: {reason}",
        )

    def _fallback(self, request: DraftRequest, why: str) -> Draft:
        try:
            draft = self.fallback.draft(replace(request, feedback=()))
        except AnswerByHand as exc:
            return self._by_hand(request, exc.reason)
        return replace(self.check(draft, request), note=why)

    def _examples_for(self, text: str) -> list[str]:
        if self.primary is self.fallback:  # templates do not learn from examples
            return []
        try:
            return self.examples(text, 3)
        except Exception as exc:  # examples are a nicety: never block a draft on them
            log.warning("examples lookup failed: %s", type(exc).__name__)
            return []


def reply_limit(mention: Mention) -> int:
    """Characters a draft may use. A Mastodon reply is sent starting with "@acct " so the
    customer is notified; those characters count against the 500."""
    limit = LIMITS[mention.network]
    if mention.network is Network.MASTODON:
        limit -= len(mention.meta.get("acct") or mention.author_handle) + 2
    return limit


def feedback_for(failed: Sequence[RuleCheck]) -> tuple[str, ...]:
    """What the repair round is told: one line per failed rule, with the linter's reason."""
    return tuple(f"{c.rule}: {c.why}" for c in failed)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
