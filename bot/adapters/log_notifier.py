"""A Notifier for when no Slack is connected: the log, so nothing is silently lost."""

from __future__ import annotations

import logging

from bot.core.models import Case

log = logging.getLogger("bot.notices")


class LogNotifier:
    def thread(self, case: Case, text: str) -> None:
        log.warning("case %s: %s", case.id, text)

    def direct(self, user: str, text: str) -> None:
        log.warning("to %s: %s", user, text)

    def channel(self, text: str) -> None:
        log.warning("channel: %s", text)
