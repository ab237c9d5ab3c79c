"""Bolt listeners: acknowledge at once, then hand the work to the core on the worker.

Slack wants an answer within 3 seconds; drafting can take longer. So every listener
calls `ack()` first (bolt acknowledges events itself) and submits the rest to the
worker (bot/adapters/slack/_work.py), which runs core calls one at a time. The only call
made before returning is `views.open`, because a trigger_id expires in 3 seconds.

Listeners get narrow services (`Services`: review actions, queries, operations, link
intake), never the app or the store.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.adapters.slack._cards import (
    ACTION_APPROVE,
    ACTION_APPROVE_WITHOUT_LINK,
    ACTION_CLAIM,
    ACTION_DISMISS,
    ACTION_EDIT,
    ACTION_GIFT,
    ACTION_REGENERATE,
    ACTION_RETRY,
    EDIT_BLOCK,
    EDIT_INPUT,
    EDIT_VIEW,
    edit_modal,
    edit_thread_blocks,
)
from bot.adapters.slack._commands import dispatch
from bot.adapters.slack._escape import slack_to_plain
from bot.adapters.slack._group_blocks import (
    ACTION_APPROVE_ALL,
    ACTION_DISMISS_ALL,
    ACTION_SHOW_CASES,
)
from bot.adapters.slack._group_cards import GroupCards
from bot.adapters.slack._home import home_view
from bot.adapters.slack._journal import JOURNAL_ID
from bot.adapters.slack._poster import SlackPoster, make_ref, split_ref
from bot.adapters.slack._reply import CommandContext, CommandReply, FollowUp
from bot.adapters.slack._work import Work
from bot.core.models import CaseGroup
from bot.core.permissions import Action
from bot.core.review import ReviewOutcome
from bot.core.review_actions import GroupOutcome

log = logging.getLogger(__name__)

Payload = dict[str, Any]  # a JSON object as Slack sent it

REACTIONS = {
    "white_check_mark": Action.APPROVE,
    "pencil2": Action.EDIT,
    "repeat": Action.REGENERATE,
    "no_entry_sign": Action.DISMISS,
    "eyes": Action.CLAIM,
    "gift": Action.GIFT,  # a wow gesture was made
}
BUTTONS = {
    ACTION_APPROVE: Action.APPROVE,
    ACTION_APPROVE_WITHOUT_LINK: Action.APPROVE_WITHOUT_LINK,
    ACTION_REGENERATE: Action.REGENERATE,
    ACTION_DISMISS: Action.DISMISS,
    ACTION_CLAIM: Action.CLAIM,
    ACTION_RETRY: Action.RETRY,
    ACTION_GIFT: Action.GIFT,
}
# Buttons that change something, so they are journaled before Slack is answered.
JOURNALED_BUTTONS = (*BUTTONS, ACTION_APPROVE_ALL, ACTION_DISMISS_ALL)
GROUP_REACTION_HELP = (
    "On a group card ✅ approves all its cases and *Dismiss all* closes them; press "
    "*Show cases* to edit, redraft, dismiss or claim one case."
)


class Handlers:
    def __init__(
        self,
        context: CommandContext,
        work: Work,
        poster: SlackPoster,
        cards: GroupCards,
        wake_publisher: Callable[[], None],
    ) -> None:
        self.context = context
        self.services = context.services
        self.actions = context.services.actions
        self.work = work
        self.poster = poster
        self.cards = cards
        self.wake_publisher = wake_publisher

    # --- reactions and thread replies -------------------------------------------------

    def on_reaction(self, event: Payload, context: BoltContext) -> None:
        item = event.get("item") or {}
        action = REACTIONS.get(str(event.get("reaction", "")).split("::")[0])
        if item.get("type") != "message" or action is None:
            return
        ref = make_ref(str(item.get("channel", "")), str(item.get("ts", "")))
        user = str(event.get("user", ""))
        self.work.submit(self._reaction, ref, action, user, entry=context.get(JOURNAL_ID))

    def _reaction(self, ref: str, action: Action, user: str) -> None:
        channel, ts = split_ref(ref)
        group = self.actions.group_at(ref)
        if group is not None:
            self._group_reaction(group, action, user, channel)
            return
        case = self.services.queries.case_at(ref)
        if case is None:
            return  # a reaction on some other message
        if action is Action.EDIT:
            self.poster.post(
                channel, "Edit the draft", thread_ts=ts, blocks=edit_thread_blocks(case.id)
            )
            return
        self.act(action, case.id, user, channel)

    def on_message(self, event: Payload, context: BoltContext) -> None:
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or event.get("subtype"):
            return
        if event.get("bot_id") or not event.get("user") or not event.get("text"):
            return
        ref = make_ref(str(event.get("channel", "")), str(thread_ts))
        user, text = str(event["user"]), str(event["text"])
        self.work.submit(self._thread_reply, ref, user, text, entry=context.get(JOURNAL_ID))

    def _thread_reply(self, ref: str, user: str, text: str) -> None:
        """An approver's reply in a card's thread becomes the new draft (not on a group
        card's thread: there it would be one case's draft chosen at random)."""
        case = None if self.actions.group_at(ref) else self.services.queries.case_at(ref)
        if case is None or case.review_ref != ref or not self.actions.may(Action.EDIT, user):
            return  # people talk in threads; only an approver's reply on a card is a draft
        outcome = self.actions.edit(case.id, user, slack_to_plain(text))
        self._tell(outcome, user, split_ref(ref)[0])

    # --- buttons, the edit modal ------------------------------------------------------

    def on_button(self, ack: Ack, body: Payload, client: WebClient, context: BoltContext) -> None:
        ack()
        entry = context.get(JOURNAL_ID)
        action = (body.get("actions") or [{}])[0]
        action_id, case_id = str(action.get("action_id", "")), str(action.get("value", ""))
        user = str((body.get("user") or {}).get("id", ""))
        channel = str((body.get("channel") or {}).get("id", ""))
        if action_id == ACTION_EDIT:
            self._open_editor(client, str(body.get("trigger_id", "")), case_id, user, channel)
        elif action_id in BUTTONS and case_id:
            self.work.submit(self.act, BUTTONS[action_id], case_id, user, channel, entry=entry)
        elif action_id == ACTION_APPROVE_ALL and case_id:
            self.work.submit(self.approve_group, case_id, user, channel, entry=entry)
        elif action_id == ACTION_DISMISS_ALL and case_id:
            self.work.submit(self.dismiss_group, case_id, user, channel, entry=entry)
        elif action_id == ACTION_SHOW_CASES and case_id:
            self.work.in_background(self.show_cases, case_id, user, channel)

    def _open_editor(
        self, client: WebClient, trigger: str, case_id: str, user: str, channel: str
    ) -> None:
        case = self.services.queries.case(case_id)
        if case is None:
            return
        refusal = self.actions.refused(Action.EDIT, user, case_id)
        if refusal is not None:  # say so now rather than after they typed a reply
            self.work.submit(self._tell, refusal, user, channel)
            return
        draft = self.services.queries.draft(case.draft_id) if case.draft_id else None
        client.views_open(trigger_id=trigger, view=edit_modal(case_id, draft.text if draft else ""))

    def on_edit_submitted(self, ack: Ack, body: Payload, context: BoltContext) -> None:
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get(EDIT_BLOCK) or {}).get(EDIT_INPUT) or {}).get("value") or "")
        if not text.strip():
            ack(response_action="errors", errors={EDIT_BLOCK: "The reply cannot be empty."})
            return
        ack()
        user = str((body.get("user") or {}).get("id", ""))
        case_id = str(view.get("private_metadata", ""))
        self.work.submit(self._edit, case_id, user, text, entry=context.get(JOURNAL_ID))

    def _edit(self, case_id: str, user: str, text: str) -> None:
        case = self.services.queries.case(case_id)
        channel = split_ref(case.review_ref)[0] if case and case.review_ref else ""
        self._tell(self.actions.edit(case_id, user, text), user, channel)

    # --- the core actions -------------------------------------------------------------

    def act(self, action: Action, case_id: str, user: str, channel: str) -> ReviewOutcome:
        outcome = self.actions.act(action, case_id, user)
        self._tell(outcome, user, channel)
        if outcome.changed and action in (
            Action.APPROVE,
            Action.APPROVE_WITHOUT_LINK,
            Action.RETRY,
        ):
            self.wake_publisher()
        return outcome

    def _tell(self, outcome: ReviewOutcome, user: str, channel: str) -> None:
        """Tell the person when it did not work (the card was refreshed if it moved)."""
        if not outcome.ok and channel and user:
            self.poster.ephemeral(channel, user, outcome.message)

    # --- crisis groups ----------------------------------------------------------------

    def _group_reaction(self, group: CaseGroup, action: Action, user: str, channel: str) -> None:
        if action is Action.APPROVE:
            self.approve_group(group.id, user, channel)
        else:
            self.poster.ephemeral(channel, user, GROUP_REACTION_HELP)

    def approve_group(self, group_id: str, user: str, channel: str) -> None:
        """Approve all: each member through ReviewService.approve (crisis: 2 approvers)."""
        outcome = self.actions.approve_group(group_id, user)
        if outcome is not None:
            self._group_done("Approve all", outcome, user, channel)
            if outcome.changed:
                self.wake_publisher()

    def dismiss_group(self, group_id: str, user: str, channel: str) -> None:
        """Dismiss all: approvers only; a repeated click finds nothing left to dismiss."""
        outcome = self.actions.dismiss_group(group_id, user)
        if outcome is not None:
            self._group_done("Dismiss all", outcome, user, channel)

    def _group_done(self, label: str, outcome: GroupOutcome, user: str, channel: str) -> None:
        text = f"{label}: {outcome.message}" if outcome.ok else outcome.message
        self.poster.ephemeral(channel, user, text)
        self.actions.refresh(outcome.case_ids)  # each member's card and the group card

    def show_cases(self, group_id: str, user: str, channel: str) -> None:
        if not self.actions.may(Action.SHOW, user):
            return
        if not self.cards.show_cases(group_id):
            self.poster.ephemeral(channel, user, "Every case of this group is in its thread.")

    # --- /care and App Home -----------------------------------------------------------

    def on_command(
        self, ack: Ack, command: Payload, respond: Respond, context: BoltContext
    ) -> None:
        ack()
        user, text = str(command.get("user_id", "")), str(command.get("text", ""))
        self.work.submit(self._command, user, text, respond, entry=context.get(JOURNAL_ID))

    def _command(self, user: str, text: str, respond: Respond) -> None:
        self._answer(dispatch(self.context, user, text), respond)

    def _answer(self, reply: CommandReply, respond: Respond) -> None:
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        if (slow := reply.follow_up) is not None:
            fetching = self.work.in_background(slow.fetch)
            fetching.add_done_callback(lambda done: self._finish(slow, done, respond))

    def _finish(self, slow: FollowUp[Any], done: Future[Any], respond: Respond) -> None:
        if done.exception() is not None:  # logged by in_background
            respond(text="Something went wrong; the log says what.", response_type="ephemeral")
            return
        self.work.submit(lambda: self._answer(slow.finish(done.result()), respond))

    def on_home_opened(self, event: Payload) -> None:
        if event.get("tab", "home") in ("home", ""):
            self.work.submit(self._publish_home, str(event.get("user", "")))

    def _publish_home(self, user: str) -> None:
        self.poster.client.views_publish(user_id=user, view=home_view(self.services))


def register(app: App, handlers: Handlers) -> None:
    app.event("reaction_added")(handlers.on_reaction)
    app.event("message")(handlers.on_message)
    app.event("app_home_opened")(handlers.on_home_opened)
    app.action(re.compile(r"^careops_"))(handlers.on_button)
    app.view(EDIT_VIEW)(handlers.on_edit_submitted)
    app.command("/care")(handlers.on_command)
