"""Block Kit for a case card, built from the same CardView the terminal renders (DESIGN §5).

Everything a customer wrote goes through `escape_mrkdwn`, so nothing in a mention can
ping a channel or forge a link. Buttons carry the case id as their value.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack._escape import SECTION_LIMIT, clip, escape_mrkdwn, link, quote, who
from bot.core.card import CardView, WowLine
from bot.core.labels import RULE_LABELS
from bot.core.models import CaseState, Network, RuleCheck

Block = dict[str, Any]

NETWORK_LABELS = {network.value: network.label for network in Network}

ACTION_APPROVE = "careops_approve"
ACTION_APPROVE_WITHOUT_LINK = "careops_approve_without_link"
ACTION_EDIT = "careops_edit"
ACTION_REGENERATE = "careops_regenerate"
ACTION_DISMISS = "careops_dismiss"
ACTION_CLAIM = "careops_claim"
ACTION_RETRY = "careops_retry"
ACTION_ANSWER_BY_HAND = "careops_answer_by_hand"
ACTION_GIFT = "careops_gift"  # a wow gesture was made
EDIT_VIEW = "careops_edit_view"
EDIT_BLOCK = "draft"
EDIT_INPUT = "text"


def card_text(view: CardView) -> str:
    """Notification text (what a phone shows); blocks carry the card itself."""
    noun = "comment" if view.network in (Network.FACEBOOK, Network.INSTAGRAM) else "mention"
    by = view.who if view.network is Network.FACEBOOK else f"@{view.author}"  # no handle there
    return escape_mrkdwn(f"{view.network.label} {noun} from {by}: {view.text}")[:300]


def card_blocks(view: CardView) -> list[Block]:
    blocks: list[Block] = [
        _section(_headline(view)),
        _section(clip(quote(view.text), SECTION_LIMIT)),
        _context(_status_line(view)),
    ]
    if view.history:
        blocks.append(_context(f"🗂 {escape_mrkdwn(view.history)}"))
    if view.risks:
        risks = "\n".join(f"🚩 *Risk* — {escape_mrkdwn(line)}" for line in view.risks)
        blocks.append(_section(clip(risks, SECTION_LIMIT)))
    if view.draft_text:
        blocks.append(_section(clip(_draft_line(view), SECTION_LIMIT)))
    if view.send_costs and view.is_open:
        blocks.append(_context(f"💸 On X this reply {escape_mrkdwn(view.send_costs)}"))
    if view.draft_text or view.checks:  # no text: the checks say why (answer by hand)
        blocks.append(_section(rule_lines(view.all_checks)))
    outcome = _outcome_line(view)
    if outcome:
        blocks.append(_section(outcome))
    if view.wow is not None:
        blocks.append(_section(clip(wow_line(view.wow), SECTION_LIMIT)))
    actions = _buttons(view)
    if view.wow is not None and not view.wow.done:
        actions.append(_button("🎁 Gesture made", ACTION_GIFT, view.case_id))
    if actions:
        blocks.append({"type": "actions", "block_id": "careops_actions", "elements": actions})
    return blocks


def rule_lines(checks: tuple[RuleCheck, ...]) -> str:
    lines = []
    for check in checks:
        mark = "✅" if check.ok else "⚠️"
        label = RULE_LABELS.get(check.rule, check.rule)
        lines.append(f"{mark} *{label}* — {escape_mrkdwn(check.why)}")
    return clip("\n".join(lines), SECTION_LIMIT)


def wow_line(wow: WowLine) -> str:
    """ "🎉 *Wow moment*: new baby · suggest: a handwritten card (…)", or what was done."""
    head = f"🎉 *Wow moment*: {escape_mrkdwn(wow.why)}"
    if wow.done:
        over = " (over budget, an approver's call)" if wow.over else ""
        return f"{head} · 🎁 done: {escape_mrkdwn(wow.done)} by {who(wow.done_by)}{over}"
    return f"{head} · suggest: {escape_mrkdwn(wow.suggestion)}"


def _headline(view: CardView) -> str:
    post = link(view.url, "open post") if view.url else ""
    audience = f" · 📣 *{view.audience}*" if view.large_audience else ""
    audience = audience or (f" · {view.audience}" if view.audience else "")
    who = f"*{view.network.label}* · *{escape_mrkdwn(view.who)}*{audience}"
    return who + (f" · {post}" if post else "")


def _status_line(view: CardView) -> str:
    parts = [f"*{view.state.value.replace('_', ' ')}*"]
    if view.tags:
        parts.append(escape_mrkdwn(", ".join(view.tags)))
    due = f"due {view.due_at:%H:%M} UTC ({view.elapsed} since the post)"
    if view.intake:
        due += f" · taken in {view.intake} after the post"
    parts.append(("⏰ overdue, " if view.sla_fraction >= 1.0 else "") + due)
    if view.claimed_by:
        parts.append(f"claimed by {who(view.claimed_by)}")
    if view.approvals and view.state is CaseState.IN_REVIEW:
        parts.append("approved by " + ", ".join(who(u) for u in view.approvals))
    return " · ".join(parts)


def _draft_line(view: CardView) -> str:
    return f"*Draft* ({escape_mrkdwn(view.drafter)}):\n{quote(view.draft_text)}"


def _outcome_line(view: CardView) -> str:
    if view.state is CaseState.PUBLISHED:
        reply = link(view.published_url or "", "published reply") if view.published_url else ""
        by = f" by {who(view.approved_by)}" if view.approved_by else ""
        return f"✅ *Approved*{by} and published" + (f": {reply}" if reply else ".")
    if view.state in (CaseState.APPROVED, CaseState.PUBLISHING):
        by = f" by {who(view.approved_by)}" if view.approved_by else ""
        return f"⏳ *Approved*{by}: publishing…"
    if view.state is CaseState.DISMISSED:
        return f"🚫 *Dismissed*: {escape_mrkdwn(view.dismissed_reason or 'no reason given')}"
    if view.state is CaseState.EXPIRED:
        return "⌛ *Expired*: too old to answer on this network."
    if view.state is CaseState.FAILED:
        return f"⚠️ *Publishing failed*: {escape_mrkdwn(view.failure)}"
    if view.answer_by_hand:
        return "X only lets us reply to posts that mention us: answer this one by hand."
    return ""


def _buttons(view: CardView) -> list[Block]:
    if view.state is CaseState.FAILED:
        return [
            _button("Retry", ACTION_RETRY, view.case_id, "primary"),
            _button("Dismiss", ACTION_DISMISS, view.case_id, "danger"),
        ]
    if view.state not in (CaseState.IN_REVIEW, CaseState.DRAFTED):
        return []
    first = (
        _url_button("Reply on X", view.url, view.case_id)
        if view.answer_by_hand and view.url.startswith("https://")
        else _button("Approve", ACTION_APPROVE, view.case_id, "primary")
    )
    without = (
        [_button("Send without link", ACTION_APPROVE_WITHOUT_LINK, view.case_id)]
        if view.offer_without_link and not view.answer_by_hand
        else []
    )
    return [
        first,
        *without,
        _button("Edit", ACTION_EDIT, view.case_id),
        _button("Regenerate", ACTION_REGENERATE, view.case_id),
        _button("Dismiss", ACTION_DISMISS, view.case_id, "danger"),
        _button("Claim", ACTION_CLAIM, view.case_id),
    ]


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _url_button(label: str, url: str, value: str) -> Block:
    button = _button(label, ACTION_ANSWER_BY_HAND, value)
    button["url"] = url[:3000]
    return button


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 2000)}]}


def edit_thread_blocks(case_id: str) -> list[Block]:
    """What ✏️ answers in the card's thread: a reaction has no trigger_id to open a modal."""
    return [
        _section("Reply in this thread with the new text, or press *Edit* to change the draft."),
        {"type": "actions", "elements": [_button("Edit", ACTION_EDIT, case_id, "primary")]},
    ]


def edit_modal(case_id: str, draft_text: str) -> Block:
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": case_id,
        "title": {"type": "plain_text", "text": "Edit the reply"},
        "submit": {"type": "plain_text", "text": "Check and save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": EDIT_BLOCK,
                "label": {"type": "plain_text", "text": "Reply"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": EDIT_INPUT,
                    "multiline": True,
                    "initial_value": draft_text[:3000],
                },
            }
        ],
    }
