"""Operations as one narrow service for surfaces: pausing intake, intake notices, crisis
mode, the on-call roster and covers, today's figures and API use. `/care` and App Home
get this, never the store."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time

from bot.core.models import CrisisState, Usage
from bot.core.oncall import Override, Roster
from bot.core.ports import Clock, OpsRepo, SettingsRepo, UsageRepo
from bot.core.reports import Report

PAUSED_KEY = "intake.paused"
INTAKE_NOTICES_KEY = "intake.notices"  # JSON list of what is wrong with intake right now


class Operations:
    def __init__(
        self,
        settings: SettingsRepo,
        ops: OpsRepo,
        usage: UsageRepo,
        roster: Roster,
        report: Callable[[datetime, datetime], Report],
        clock: Clock,
        x_budget: Callable[[], float | None] = lambda: None,
    ) -> None:
        """`report(since, until)` builds the figures for mentions posted in that span;
        `x_budget()` is the month's X budget in dollars (careops.toml [x] monthly_budget,
        read when asked: an edit counts at once)."""
        self.settings = settings
        self.ops = ops
        self.usage = usage
        self.roster = roster
        self.report = report
        self.clock = clock
        self.x_budget = x_budget

    @property
    def paused(self) -> bool:
        return self.settings.get_setting(PAUSED_KEY) == "1"

    def set_paused(self, paused: bool) -> None:
        self.settings.set_setting(PAUSED_KEY, "1" if paused else "0")

    @property
    def intake_notices(self) -> list[str]:
        """Degraded intake as of the last tick (rate limits, gaps, failing sources)."""
        return [
            str(text) for text in json.loads(self.settings.get_setting(INTAKE_NOTICES_KEY) or "[]")
        ]

    def set_intake_notices(self, notices: set[str]) -> None:
        self.settings.set_setting(INTAKE_NOTICES_KEY, json.dumps(sorted(notices)))

    def crisis(self) -> CrisisState:
        return self.ops.crisis_state()

    def crisis_active(self) -> bool:
        return self.ops.crisis_state().active

    def set_crisis(self, on: bool, reason: str, user: str) -> bool:
        """Switch crisis mode now; False when it already was so."""
        return self.ops.set_crisis(on, reason, user, self.clock.now())

    def cover(self, override: Override) -> Override:
        return self.ops.add_override(override)

    def today(self) -> Report:
        """Figures for mentions posted since midnight (UTC)."""
        now = self.clock.now()
        return self.report(_midnight(now), now)

    def usage_today(self) -> list[Usage]:
        return self.usage.usage_since(self.clock.now().date().isoformat())


def _midnight(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
