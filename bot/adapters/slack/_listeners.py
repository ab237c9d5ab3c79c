"""Bolt listeners: acknowledge at once, then hand the work to the core on a worker.

Slack wants an answer within 3 seconds; drafting can take longer. So every listener
calls `ack()` first (bolt acknowledges events itself) and submits the rest to the
runtime's worker, which runs core calls one at a time. The only call made before
returning is `views.open`, because a trigger_id expires in 3 seconds.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.adapters.slack import _commands as commands
from bot.adapters.slack._cards import (
    ACTION_APPROVE,
    ACTION_CLAIM,
    ACTION_DISMISS,
    ACTION_EDIT,
    ACTION_REGENERATE,
    ACTION_RETRY,
    EDIT_BLOCK,
    EDIT_INPUT,
    EDIT_VIEW,
    edit_modal,
    edit_thread_blocks,
)
from bot.adapters.slack._escape import slack_to_plain
from bot.adapters.slack._group_blocks import (
    ACTION_APPROVE_ALL,
    ACTION_DISMISS_ALL,
    ACTION_SHOW_CASES,
)
from bot.adapters.slack._home import home_view
from bot.adapters.slack._journal import JOURNAL_ID
from bot.adapters.slack._surface import make_ref, split_ref
from bot.core.crisis import bulk_approve
from bot.core.crisis_groups import (
    CaseGroup,
    awaiting_review,
    bulk_dismiss,
    group_dismiss_reason,
)
from bot.core.permissions import Action
from bot.core.review import ReviewOutcome

if TYPE_CHECKING:
    from bot.adapters.slack._runtime import SlackRuntime

log = logging.getLogger(__name__)

REACTIONS = {
    "white_check_mark": "approve",
    "pencil2": "edit",
    "repeat": "regenerate",
    "no_entry_sign": "dismiss",
    "eyes": "claim",
}
BUTTONS = {
    ACTION_APPROVE: "approve",
    ACTION_REGENERATE: "regenerate",
    ACTION_DISMISS: "dismiss",
    ACTION_CLAIM: "claim",
    ACTION_RETRY: "retry",
}
# Buttons that change something, so they are journaled before Slack is answered.
JOURNALED_BUTTONS = (*BUTTONS, ACTION_APPROVE_ALL, ACTION_DISMISS_ALL)


class Handlers:
    def __init__(self, rt: SlackRuntime) -> None:
        self.rt = rt

    @property
    def care(self) -> Any:
        return self.rt.careops

    # --- reactions and thread replies -------------------------------------------------

    def on_reaction(self, event: dict[str, Any], context: BoltContext) -> None:
        item = event.get("item") or {}
        action = REACTIONS.get(str(event.get("reaction", "")).split("::")[0])
        if item.get("type") != "message" or action is None:
            return
        ref = make_ref(str(item.get("channel", "")), str(item.get("ts", "")))
        user = str(event.get("user", ""))
        self.rt.submit(self._reaction, ref, action, user, entry=context.get(JOURNAL_ID))

    def _reaction(self, ref: str, action: str, user: str) -> None:
        group = self._group_at(ref)
        if group is not None:
            self._group_reaction(group, action, user, split_ref(ref)[0])
            return
        case = self._case_at(ref)
        if case is None:
            return  # a reaction on some other message
        if action == "edit":
            channel, ts = split_ref(ref)
            self.rt.poster.post(
                channel, "Edit the draft", thread_ts=ts, blocks=edit_thread_blocks(case.id)
            )
            return
        self.act(action, case.id, user, split_ref(ref)[0])

    def on_message(self, event: dict[str, Any], context: BoltContext) -> None:
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or event.get("subtype"):
            return
        if event.get("bot_id") or not event.get("user") or not event.get("text"):
            return
        ref = make_ref(str(event.get("channel", "")), str(thread_ts))
        user, text = str(event["user"]), str(event["text"])
        self.rt.submit(self._thread_reply, ref, user, text, entry=context.get(JOURNAL_ID))

    def _thread_reply(self, ref: str, user: str, text: str) -> None:
        """An approver's reply in a card's thread becomes the new draft (not on a group
        card's thread: there it would be one case's draft chosen at random)."""
        case = None if self._group_at(ref) else self.care.store.case_by_ref(ref)
        if case is None or not self.care.review.may(Action.EDIT, user):
            return  # people talk in threads; only an approver's reply is a draft
        outcome = self.care.review.edit(case.id, user, slack_to_plain(text))
        self._after(outcome, user, split_ref(ref)[0])

    # --- buttons, the edit modal ------------------------------------------------------

    def on_button(self, ack: Ack, body: dict[str, Any], client: Any, context: BoltContext) -> None:
        ack()
        entry = context.get(JOURNAL_ID)
        action = (body.get("actions") or [{}])[0]
        action_id, case_id = action.get("action_id", ""), action.get("value", "")
        user = str((body.get("user") or {}).get("id", ""))
        channel = str((body.get("channel") or {}).get("id", ""))
        if action_id == ACTION_EDIT:
            self._open_editor(client, str(body.get("trigger_id", "")), case_id, user, channel)
        elif action_id in BUTTONS and case_id:
            self.rt.submit(self.act, BUTTONS[action_id], case_id, user, channel, entry=entry)
        elif action_id == ACTION_APPROVE_ALL and case_id:
            self.rt.submit(self.approve_group, case_id, user, channel, entry=entry)
        elif action_id == ACTION_DISMISS_ALL and case_id:
            self.rt.submit(self.dismiss_group, case_id, user, channel, entry=entry)
        elif action_id == ACTION_SHOW_CASES and case_id:
            self.rt.in_background(self.show_cases, case_id, user, channel)

    def _open_editor(
        self, client: Any, trigger: str, case_id: str, user: str, channel: str
    ) -> None:
        case = self.care.store.get_case(case_id)
        if case is None:
            return
        refusal = self.care.review.refused(Action.EDIT, user, case_id)
        if refusal is not None:  # say so now rather than after they typed a reply
            self.rt.submit(self._after, refusal, user, channel)
            return
        _, draft = self.care.review.with_draft(case)
        client.views_open(trigger_id=trigger, view=edit_modal(case_id, draft.text if draft else ""))

    def on_edit_submitted(self, ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get(EDIT_BLOCK) or {}).get(EDIT_INPUT) or {}).get("value") or "")
        if not text.strip():
            ack(response_action="errors", errors={EDIT_BLOCK: "The reply cannot be empty."})
            return
        ack()
        user = str((body.get("user") or {}).get("id", ""))
        case_id = str(view.get("private_metadata", ""))
        self.rt.submit(self._edit, case_id, user, text, entry=context.get(JOURNAL_ID))

    def _edit(self, case_id: str, user: str, text: str) -> None:
        case = self.care.store.get_case(case_id)
        channel = split_ref(case.review_ref)[0] if case and case.review_ref else ""
        self._after(self.care.review.edit(case_id, user, text), user, channel)

    # --- the core actions -------------------------------------------------------------

    def act(self, action: str, case_id: str, user: str, channel: str) -> ReviewOutcome:
        outcome = getattr(self.care.review, action)(case_id, user)
        self._after(outcome, user, channel)
        if outcome.changed and action in ("approve", "retry"):
            self.rt.wake_publisher()
        return outcome

    def _after(self, outcome: ReviewOutcome, user: str, channel: str) -> None:
        """Refresh the card when the case moved; tell the person when it did not work."""
        if outcome.case is not None and outcome.changed:
            self.care.loop.show(outcome.case)
        if not outcome.ok and channel and user:
            self.rt.poster.ephemeral(channel, user, outcome.message)

    # --- crisis groups ----------------------------------------------------------------

    @property
    def groups(self) -> Any:
        return self.rt.surface.groups

    def _group_at(self, ref: str) -> CaseGroup | None:
        """The group whose card is at `ref`, if it stands for more than one case."""
        if self.groups is None:
            return None
        group: CaseGroup | None = self.groups.repo.group_at(ref)
        return group if group is not None and len(group.members) > 1 else None

    def _case_at(self, ref: str) -> Any:
        """The case whose card is at `ref`: its own card, or its card in a group's thread."""
        member = self.groups.repo.case_at(ref) if self.groups is not None else None
        if member is not None:
            return self.care.store.get_case(member)
        return self.care.store.case_by_ref(ref)

    def _group_reaction(self, group: CaseGroup, action: str, user: str, channel: str) -> None:
        if action == "approve":
            self.approve_group(group.id, user, channel)
        else:
            self.rt.poster.ephemeral(
                channel, user, "On a group card ✅ approves all its cases and *Dismiss all* "
                "closes them; press *Show cases* to edit, redraft, dismiss or claim one case.",
            )  # fmt: skip

    def approve_group(self, group_id: str, user: str, channel: str) -> None:
        """Approve All: each member through ReviewService.approve (crisis: 2 approvers)."""
        group = self.groups.repo.get(group_id) if self.groups is not None else None
        if group is None:
            return
        waiting = [c.id for c in awaiting_review(self.groups.grouper.members(group))]
        outcome = bulk_approve(self.care.review.approve, waiting, user)
        refused = "".join(f"\n• {line}" for line in outcome.refused[:5])
        self.rt.poster.ephemeral(channel, user, f"Approve all: {outcome.message}{refused}")
        self._show_each(waiting)
        if outcome.approved:
            self.rt.wake_publisher()

    def dismiss_group(self, group_id: str, user: str, channel: str) -> None:
        """Dismiss all: every member still awaiting review, with the group as the reason.

        Approvers only, as Approve all. A repeated click finds nothing left to dismiss."""
        group = self.groups.repo.get(group_id) if self.groups is not None else None
        if group is None:
            return
        refusal = self.care.review.refused(Action.APPROVE, user)
        if refusal is not None:
            self.rt.poster.ephemeral(channel, user, refusal.message)
            return
        waiting = [c.id for c in awaiting_review(self.groups.grouper.members(group))]
        reason = group_dismiss_reason(group.lead_text)
        outcome = bulk_dismiss(self.care.review.dismiss, waiting, user, reason)
        refused = "".join(f"\n• {line}" for line in outcome.refused[:5])
        self.rt.poster.ephemeral(channel, user, f"Dismiss all: {outcome.message}{refused}")
        self._show_each(waiting)

    def _show_each(self, case_ids: list[str]) -> None:
        """Refresh each member's cards (its own, if shown, and the group card, coalesced)."""
        for case_id in case_ids:
            case = self.care.store.get_case(case_id)
            if case is not None:
                self.care.loop.show(case)

    def show_cases(self, group_id: str, user: str, channel: str) -> None:
        if self.care.review.refused(Action.SHOW, user) or self.groups is None:
            return
        posted = self.groups.show_cases(group_id)
        if not posted:
            self.rt.poster.ephemeral(channel, user, "Every case of this group is in its thread.")

    # --- /care and App Home -----------------------------------------------------------

    def on_command(
        self, ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext
    ) -> None:
        ack()
        user, text = str(command.get("user_id", "")), str(command.get("text", ""))
        self.rt.submit(self._command, user, text, respond, entry=context.get(JOURNAL_ID))

    def _command(self, user: str, text: str, respond: Respond) -> None:
        self._answer(commands.dispatch(self.care, user, text), respond)

    def _answer(self, reply: commands.CommandReply, respond: Respond) -> None:
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        if (slow := reply.follow_up) is not None:
            fetching = self.rt.in_background(slow.fetch)
            fetching.add_done_callback(lambda done: self._finish(slow, done, respond))

    def _finish(self, slow: commands.FollowUp, done: Future[Any], respond: Respond) -> None:
        if done.exception() is not None:  # logged by in_background
            respond(text="Something went wrong; the log says what.", response_type="ephemeral")
            return
        self.rt.submit(lambda: self._answer(slow.finish(done.result()), respond))

    def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") in ("home", ""):
            self.rt.submit(self._publish_home, str(event.get("user", "")))

    def _publish_home(self, user: str) -> None:
        self.rt.client.views_publish(user_id=user, view=home_view(self.care))


def register(app: App, rt: SlackRuntime) -> Handlers:
    handlers = Handlers(rt)
    app.event("reaction_added")(handlers.on_reaction)
    app.event("message")(handlers.on_message)
    app.event("app_home_opened")(handlers.on_home_opened)
    app.action(re.compile(r"^careops_"))(handlers.on_button)
    app.view(EDIT_VIEW)(handlers.on_edit_submitted)
    app.command("/care")(handlers.on_command)
    return handlers
