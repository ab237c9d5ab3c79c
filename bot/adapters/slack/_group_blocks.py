"""Block Kit for a crisis group card, built from the core's `GroupView` and
`GroupDecisions`: counts, who approved or dismissed, samples, the shared draft, and the
bulk buttons (Dismiss all asks Slack for a confirmation first)."""

from __future__ import annotations

from typing import Any

from bot.adapters.slack._cards import _button, _context, _section
from bot.adapters.slack._escape import SECTION_LIMIT, clip, escape_mrkdwn, quote, who
from bot.core.crisis_groups import GroupDecisions, GroupView, Tally

ACTION_APPROVE_ALL = "careops_group_approve"
ACTION_DISMISS_ALL = "careops_group_dismiss"
ACTION_SHOW_CASES = "careops_group_show"
TALLIES_SHOWN = 3  # lines per kind of decision; the rest are summed up

Block = dict[str, Any]


def group_text(view: GroupView, decisions: GroupDecisions | None = None) -> str:
    """Notification text: the size, the widest decision if any, the lead's words."""
    lines = decision_lines(decisions) if decisions else []
    head = f"{view.size} similar mentions" + (f" · {lines[0]}" if lines else "")
    return f"{head}: {escape_mrkdwn(view.lead.mention.text)}"[:300]


def decision_lines(decisions: GroupDecisions) -> list[str]:
    """One line per set of deciders: approved, waiting for more approvals, dismissed."""
    lines = [_approved_line(t) for t in decisions.approved[:TALLIES_SHOWN]]
    lines += [_pending_line(t, decisions.required) for t in decisions.pending[:TALLIES_SHOWN]]
    lines += [_dismissed_line(t) for t in decisions.dismissed[:TALLIES_SHOWN]]
    rest = sum(
        t.count
        for kind in (decisions.approved, decisions.pending, decisions.dismissed)
        for t in kind[TALLIES_SHOWN:]
    )
    if rest:
        lines.append(f"…and {_cases(rest)} decided by others")
    return lines


def _approved_line(tally: Tally) -> str:
    line = f"✅ Approved by {_people(tally.who)} for {_cases(tally.count)}"
    n = len(tally.who)
    return line + (f" · {n} of {n} approvals" if n > 1 else "")


def _pending_line(tally: Tally, required: int) -> str:
    have = len(tally.who)
    need = max(required, have + 1)  # in review with approvals: at least one more is needed
    more = "a second approver" if need - have == 1 and have == 1 else _more(need - have)
    return (
        f"⏳ {have} of {need} approvals: {_people(tally.who)}; waiting for {more}"
        f" ({_cases(tally.count)})"
    )


def _dismissed_line(tally: Tally) -> str:
    by = f" by {_people(tally.who)}" if any(tally.who) else ""
    return f"🚫 Dismissed{by} ({_cases(tally.count)})"


def _people(users: tuple[str, ...]) -> str:
    names = [who(u) for u in users if u]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def _cases(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"


def _more(n: int) -> str:
    return f"{n} more approver" + ("s" if n > 1 else "")


def group_blocks(
    view: GroupView, lead_rules: str, decisions: GroupDecisions | None = None
) -> list[Block]:
    states = ", ".join(f"{state.value.replace('_', ' ')}: {n}" for state, n in view.by_state)
    samples = "\n".join(quote(s[:280]) for s in view.samples)
    blocks: list[Block] = [_section(f"🚨 *{view.size} similar mentions* · {states}")]
    lines = decision_lines(decisions) if decisions else []
    if lines:
        blocks.append(_section(clip("\n".join(lines), SECTION_LIMIT)))
    blocks += [
        _section(clip(samples, SECTION_LIMIT)),
        _section(clip("*Shared draft*:\n" + quote(view.pattern or "(no draft)"), SECTION_LIMIT)),
        _context("Rules, lead draft:"),
        _section(lead_rules),
    ]
    if view.x_sending:
        blocks.append(_context(f"💸 On X, {escape_mrkdwn(view.x_sending)}"))
    buttons = [_button("Show cases", ACTION_SHOW_CASES, view.group_id)]
    if view.awaiting:
        approve = _button(f"Approve all ({view.awaiting})", ACTION_APPROVE_ALL, view.group_id)
        dismiss = _button(f"Dismiss all ({view.awaiting})", ACTION_DISMISS_ALL, view.group_id)
        dismiss = {**dismiss, "style": "danger", "confirm": _dismiss_confirm(view.awaiting)}
        buttons[:0] = [{**approve, "style": "primary"}, dismiss]
    blocks.append({"type": "actions", "block_id": "careops_group", "elements": buttons})
    return blocks


def _dismiss_confirm(awaiting: int) -> Block:
    """Slack asks before it sends the click: a misclick must not close many cases."""
    return {
        "title": {"type": "plain_text", "text": "Dismiss all?"},
        "text": {
            "type": "mrkdwn",
            "text": f"Dismiss the {_cases(awaiting)} of this group still waiting for review? "
            "Their customers get no reply.",
        },
        "confirm": {"type": "plain_text", "text": "Dismiss all"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
    }
