"""What a review surface shows for a case. Slack and the terminal render the same view."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

from bot.core.link_policy import XLinkRules, send_costs
from bot.core.models import Case, CaseState, Draft, Network, RuleCheck
from bot.core.risk import LARGE_AUDIENCE, follower_count, risk_lines
from bot.core.sla import SlaPolicy, humanize

# Why the offline drafter answered instead of the model, by the reason drafting stored
# in the draft's note (bot/core/drafting.py); a card says it in these words.
FALLBACK_REASONS: dict[str, str] = {
    "timeout": "the model timed out",
    "429": "the model's rate limit was reached (429)",
    "5xx": "the model's server failed (5xx)",
    "connection failed": "the model could not be reached",
    "openai refused": "the model refused",
    "finish_reason length": "the model's answer was cut off",
    "bad output": "the model's answer was not usable",
    "unsafe link": "the model's draft carried a link not on our list",
    "unsafe handle": "the model's draft named another account",
    "prompt text in reply": "the model's draft repeated its instructions",
    "failed rules after repair": "the model's draft failed the rules twice",
}


def drafted_by(drafter: str, note: str) -> str:
    """Who drafted, and why the fallback did when it stood in for the model:
    "offline, because the model timed out"."""
    reason = note.split(";")[0].strip()
    if not reason or reason.startswith("repaired"):
        return drafter
    return f"{drafter}, because {FALLBACK_REASONS.get(reason, reason)}"


@dataclass(frozen=True)
class WowLine:
    """A wow moment on a card: why, and the gesture to suggest or the one made."""

    why: str
    suggestion: str = ""  # "a handwritten card ($3; $57 of $60 left this month)"
    done: str = ""  # the gesture made ("a handwritten card")
    done_by: str = ""  # by whom
    over: bool = False  # made past its monthly budget (an approver's call)

    @property
    def text(self) -> str:
        """ "🎉 Wow moment: new baby · suggest: a handwritten card (…)", or what was done."""
        head = f"🎉 Wow moment: {self.why}"
        if self.done:
            over = " (over budget, an approver's call)" if self.over else ""
            return f"{head} · 🎁 done: {self.done} by {self.done_by}{over}"
        return f"{head} · suggest: {self.suggestion}"


@dataclass(frozen=True)
class CardNotes:
    """What careops knows of the customer beyond this post (bot/core/relations.py)."""

    history: str = ""  # "3rd contact · last: refund, answered in 12 min, 14 days ago · ..."
    wow: WowLine | None = None


@dataclass(frozen=True)
class CardView:
    case_id: str
    network: Network
    author: str
    author_name: str
    text: str  # raw customer text: each surface escapes it for its own markup
    url: str
    state: CaseState
    tags: tuple[str, ...]
    posted_at: datetime
    due_at: datetime
    elapsed: str
    sla_fraction: float
    draft_text: str
    drafter: str
    checks: tuple[RuleCheck, ...]
    claimed_by: str | None
    approvals: tuple[str, ...]
    approved_by: str | None
    published_url: str | None
    dismissed_reason: str
    failure: str
    answer_by_hand: bool
    context: tuple[str, ...]
    send_costs: str = ""  # X: "costs $0.20 (link) · $0.015 without"
    offer_without_link: bool = False  # X: a "send without link" choice beside Approve
    risks: tuple[str, ...] = ()  # one line per risk class: "legal threat: a person answers ..."
    intake: str = ""  # how long intake took, post to case: "1.4s", "3m"

    followers: int | None = None  # the author's audience, when the network gives it
    history: str = ""  # the customer's history line
    wow: WowLine | None = None

    @property
    def audience(self) -> str:
        """ "51.2k followers" ("" when unknown); `large_audience` marks it on a card."""
        return "" if self.followers is None else f"{compact(self.followers)} followers"

    @property
    def large_audience(self) -> bool:
        return self.followers is not None and self.followers >= LARGE_AUDIENCE

    @property
    def who(self) -> str:
        """The author as a person reads them: "Maria López (@maria_l)"."""
        return who_wrote(self.network, self.author, self.author_name)

    @property
    def fast_check(self) -> RuleCheck:
        """The `fast` rule is about time, not text: elapsed against the network's target."""
        ok = self.sla_fraction < 1.0
        why = f"{self.elapsed} since the post, due {self.due_at:%H:%M} UTC"
        if not ok:
            why = f"target missed: {why}"
        return RuleCheck("fast", ok, why)

    @property
    def all_checks(self) -> tuple[RuleCheck, ...]:
        return (self.fast_check, *self.checks)

    @property
    def is_open(self) -> bool:
        return not self.state.is_final


def who_wrote(network: Network, handle: str, name: str) -> str:
    """The author as `Name (@handle)`, or `@handle` without a name. A Facebook user has no public
    handle (careops keys them by a Page-scoped id that means nothing to a person), so
    a Facebook author is shown by name."""
    if network is Network.FACEBOOK:
        return name or "a Facebook user"
    at = f"@{handle}"
    return f"{name} ({at})" if name and name != handle else at


def card_view(
    case: Case,
    draft: Draft | None,
    *,
    now: datetime,
    sla: SlaPolicy,
    costs: XLinkRules | None = None,
    notes: CardNotes | None = None,
) -> CardView:
    """`costs`: X's link rules and prices, for what sending an X reply costs; `notes`: the
    customer's history and a wow moment."""
    mention = case.mention
    tags: tuple[str, ...] = ()
    if case.triage:
        t = case.triage
        tags = (
            t.intent.value,
            t.mood,
            f"{t.priority.value} priority",
            t.language,
            t.topic,
            *t.tags,
        )
    by_hand = mention.network is Network.X and not mention.summoned
    sending, offer = ("", False)
    if costs is not None and draft is not None and mention.network is Network.X and not by_hand:
        sending, offer = send_costs(draft.text, costs)
    return CardView(
        case_id=case.id,
        network=mention.network,
        author=mention.author_handle,
        author_name=mention.author_name,
        text=mention.text,
        url=mention.url,
        state=case.state,
        tags=tags,
        posted_at=mention.created_at,
        due_at=sla.due_at(mention),
        elapsed=humanize(now - mention.created_at),
        sla_fraction=sla.fraction(mention, now),
        draft_text=draft.text if draft else "",
        drafter=drafted_by(draft.drafter, draft.note) if draft else "",
        checks=draft.checks if draft else (),
        claimed_by=case.claimed_by,
        approvals=case.approvals,
        approved_by=case.approved_by,
        published_url=case.published_url,
        dismissed_reason=case.dismissed_reason,
        failure=case.failure,
        answer_by_hand=by_hand,
        context=mention.context,
        risks=risk_lines(case.triage.tags) if case.triage else (),
        followers=follower_count(mention.meta),
        history=notes.history if notes else "",
        wow=notes.wow if notes else None,
        send_costs=sending,
        offer_without_link=offer,
        intake=intake_took(case.created_at - mention.created_at),
    )


def intake_took(delta: timedelta) -> str:
    """Post to case, as a card says it: tenths of a second below ten seconds ("0.8s"),
    else as `humanize` does. A post stamped after its case (the customer's clock ahead)
    took no time."""
    seconds = max(delta.total_seconds(), 0.0)
    return f"{seconds:.1f}s" if seconds < 10 else humanize(timedelta(seconds=seconds))


def compact(count: int) -> str:
    """A count as people read it on a card: 950, 12.3k, 1.2M."""
    if count < 1_000:
        return str(count)
    shown = round(count / 1_000, 1)
    if shown < 1_000:
        return f"{shown:g}k"
    return f"{round(count / 1_000_000, 1):g}M"


# Characters that reorder the text around them (embeddings, overrides, isolates). In a
# post they can make a card lie ("moc.lapyap" after U+202E reads as "paypal.com"), and
# an override left open runs on into the lines careops adds after the customer's words.
# Each is shown as a visible mark instead: a person reads the text in its real order and
# sees that something was there.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutralise_bidi(text: str) -> str:
    """`text` with each bidi embedding, override or isolate shown as `[U+202E]`."""
    if text.isascii():
        return text
    return _BIDI_CONTROLS.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)


def neutralised(view: CardView) -> CardView:
    """The view with `neutralise_bidi` applied to every text it holds, for a surface
    that has no escape function of its own (the terminal)."""
    changes: dict[str, object] = {}
    for spec in fields(view):
        if spec.name == "checks":
            continue
        value = getattr(view, spec.name)
        if isinstance(value, str):
            changes[spec.name] = neutralise_bidi(value)
        elif isinstance(value, tuple) and all(isinstance(item, str) for item in value):
            changes[spec.name] = tuple(map(neutralise_bidi, value))
    checks = tuple(replace(c, why=neutralise_bidi(c.why)) for c in view.checks)
    return replace(view, checks=checks, **changes)  # type: ignore[arg-type]
