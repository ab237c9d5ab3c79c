"""The terminal as a review surface: cards on screen, one key per decision.

`TerminalSurface` implements the ReviewSurface port (it prints the card). `TerminalReview`
walks a person through open cases: approve, edit, regenerate, dismiss, skip or quit,
each calling the same `ReviewService` Slack uses. Input comes through injected
functions, so tests drive it with scripted keys and no terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rich.console import Console
from rich.text import Text

from bot.adapters.terminal._cards import render_card
from bot.adapters.terminal._input import EditorFailed
from bot.core.card import CardNotes, card_view
from bot.core.link_policy import XLinkRules
from bot.core.models import Case, CaseGroup, CaseState, Draft, Network
from bot.core.ports import Clock
from bot.core.review import ReviewService
from bot.core.sla import SlaPolicy

ACTIONS: dict[str, str] = {
    "a": "approve",
    "e": "edit",
    "r": "regenerate",
    "d": "dismiss",
    "w": "without link",
    "s": "skip",
    "q": "quit",
    "?": "help",
}
PROMPT = "[a]pprove  [e]dit  [r]egenerate  [d]ismiss  [s]kip  [q]uit  [?] help > "
# X, a reply with a link: the card says what each variant costs
PROMPT_WITHOUT_LINK = PROMPT.replace("[e]dit", "[w]ithout link  [e]dit")
HELP = """\
  a  approve: the reply goes to the outbox and is published exactly once
  w  approve without link (X): the reply goes without its help link, at X's lower price
  e  edit: change the reply (in $EDITOR, or here), then see the rules again
  r  regenerate: ask for a fresh draft
  d  dismiss: no reply is needed
  s  skip: leave the case for later
  q  quit: stop reviewing; nothing you skipped is lost"""

ReadKey = Callable[[str], str]
ReadLine = Callable[[str], str]
EditText = Callable[[str, Case], "str | None"]  # None: keep the draft


@dataclass
class ReviewTally:
    """What a review session decided, by case id."""

    approved: list[str] = field(default_factory=list)
    dismissed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    answer_by_hand: list[str] = field(default_factory=list)
    edits: int = 0
    regenerations: int = 0
    quit: bool = False


def needs_answer_by_hand(case: Case) -> bool:
    return case.network is Network.X and not case.mention.summoned


class TerminalSurface:
    """ReviewSurface for a terminal: prints the card; returns no reference. It shows each
    case on its own: a crisis group's members are printed one by one."""

    def __init__(
        self,
        console: Console,
        clock: Clock,
        sla: SlaPolicy,
        costs: XLinkRules | None = None,
        notes: Callable[[Case], CardNotes] | None = None,
    ) -> None:
        """`notes`: the customer's history and a wow moment (core/relations.py)."""
        self.console = console
        self.clock = clock
        self.sla = sla
        self.costs = costs  # X's prices and link policy: what sending a reply costs
        self.notes = notes
        self.offered: set[str] = set()  # cases whose card offered sending without link

    def show(self, case: Case, draft: Draft | None, group: CaseGroup | None = None) -> str | None:
        notes = self.notes(case) if self.notes is not None else None
        view = card_view(
            case, draft, now=self.clock.now(), sla=self.sla, costs=self.costs, notes=notes
        )
        if view.offer_without_link and not view.answer_by_hand:
            self.offered.add(case.id)
        else:
            self.offered.discard(case.id)
        self.console.print(render_card(view))
        return None

    def say(self, message: str, style: str = "") -> None:
        """A plain line for the person; the message is never parsed as markup."""
        self.console.print(Text(message, style=style))


class TerminalReview:
    """The interactive decision loop over a list of cases."""

    def __init__(
        self,
        review: ReviewService,
        surface: TerminalSurface,
        *,
        read_key: ReadKey,
        read_line: ReadLine,
        edit_text: EditText | None = None,
        user: str = "terminal",
    ) -> None:
        self.review = review
        self.surface = surface
        self.read_key = read_key
        self.read_line = read_line
        self.edit_text = edit_text
        self.user = user

    def run(self, cases: Iterable[Case]) -> ReviewTally:
        tally = ReviewTally()
        pending = list(cases)
        for index, case in enumerate(pending):
            if tally.quit:
                tally.skipped.append(case.id)
                continue
            self.surface.say(f"\nCase {index + 1} of {len(pending)}", "bold")
            self._decide(case, tally)
        return tally

    def _decide(self, case: Case, tally: ReviewTally) -> None:
        self._show(case)
        while True:
            action = ACTIONS.get(self._key(case).strip().lower()[:1])
            if action is None:
                self.surface.say("Unknown key; press ? for help.", "yellow")
            elif action == "help":
                self.surface.say(HELP)
            elif action == "skip":
                bucket = tally.answer_by_hand if needs_answer_by_hand(case) else tally.skipped
                bucket.append(case.id)
                self.surface.say("Skipped: it stays open for later.", "dim")
                return
            elif action == "quit":
                tally.quit = True
                tally.skipped.append(case.id)
                self.surface.say("Stopped reviewing; open cases wait for the next run.", "dim")
                return
            elif action == "approve":
                if self._approve(case, tally):
                    return
            elif action == "without link":
                if case.id not in self.surface.offered:
                    self.surface.say("This card offers no sending without link.", "yellow")
                elif self._approve(case, tally, without_link=True):
                    return
            elif action == "dismiss":
                outcome = self.review.dismiss(case.id, self.user, "dismissed in the terminal")
                self.surface.say(outcome.message, "green" if outcome.ok else "red")
                if outcome.ok:
                    tally.dismissed.append(case.id)
                    return
            else:
                case = self._redraft(case, action, tally)

    def _approve(self, case: Case, tally: ReviewTally, *, without_link: bool = False) -> bool:
        outcome = self.review.approve(case.id, self.user, without_link=without_link)
        self.surface.say(outcome.message, "green" if outcome.ok else "yellow")
        if outcome.ok:
            tally.approved.append(case.id)
        return outcome.ok

    def _redraft(self, case: Case, action: str, tally: ReviewTally) -> Case:
        """Edit or regenerate, then show the card again with the re-checked rules."""
        if action == "edit":
            text = self._new_text(case)
            if text is None:
                self.surface.say("Draft unchanged.", "dim")
                return case
            outcome = self.review.edit(case.id, self.user, text)
            tally.edits += outcome.changed
        else:
            outcome = self.review.regenerate(case.id, self.user)
            tally.regenerations += outcome.changed
        self.surface.say(outcome.message, "green" if outcome.ok else "red")
        if outcome.case is not None:
            case = outcome.case
        if outcome.changed:
            self._show(case)
        return case

    def _new_text(self, case: Case) -> str | None:
        current = self._draft(case)
        old = current.text if current else ""
        if self.edit_text is not None:
            try:
                text = self.edit_text(old, case)
            except EditorFailed as exc:
                self.surface.say(f"{exc}; type the reply here instead.", "yellow")
                text = self._inline_text(old)
        else:
            text = self._inline_text(old)
        if not text or not text.strip() or text.strip() == old.strip():
            return None
        return text.strip()

    def _inline_text(self, old: str) -> str:
        self.surface.say(f"Current reply: {old}", "dim")
        try:
            return self.read_line("New reply (empty keeps the draft): ")
        except (EOFError, KeyboardInterrupt):
            return ""

    def _key(self, case: Case) -> str:
        prompt = PROMPT_WITHOUT_LINK if case.id in self.surface.offered else PROMPT
        try:
            return self.read_key(prompt)
        except (EOFError, KeyboardInterrupt):
            return "q"

    def _draft(self, case: Case) -> Draft | None:
        return self.review.store.get_draft(case.draft_id) if case.draft_id else None

    def _show(self, case: Case) -> None:
        fresh = self.review.store.get_case(case.id) or case
        self.surface.show(fresh, self._draft(fresh))


def review_unattended(
    review: ReviewService,
    cases: Iterable[Case],
    *,
    approve_failing: bool,
    surface: TerminalSurface | None = None,
    user: str = "terminal",
) -> ReviewTally:
    """No person at the keyboard: approve drafts that pass every rule, dismiss the rest.

    With `approve_failing`, every draft is approved. X posts that did not mention the
    brand cannot be answered through the API and are left for a person either way.
    """
    tally = ReviewTally()
    for case in cases:
        draft = review.store.get_draft(case.draft_id) if case.draft_id else None
        if surface is not None:
            surface.show(case, draft)
        if case.state is not CaseState.IN_REVIEW or draft is None:
            tally.skipped.append(case.id)
        elif needs_answer_by_hand(case):
            tally.answer_by_hand.append(case.id)
            _say(surface, "→ left for a person: answer by hand on X", "yellow")
        elif approve_failing or draft.lint.ok:
            outcome = review.approve(case.id, user)
            (tally.approved if outcome.ok else tally.skipped).append(case.id)
            _say(surface, f"→ {outcome.message}", "green" if outcome.ok else "yellow")
        else:
            failed = ", ".join(c.rule for c in draft.lint.failed)
            outcome = review.dismiss(case.id, user, f"draft fails rules: {failed}")
            (tally.dismissed if outcome.ok else tally.skipped).append(case.id)
            _say(surface, f"→ dismissed: the draft fails {failed}", "yellow")
    return tally


def _say(surface: TerminalSurface | None, message: str, style: str) -> None:
    if surface is not None:
        surface.say(message, style)
