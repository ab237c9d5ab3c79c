"""A report read from the store: the store counts the period's cases per network and
approver in SQL (CareQueries.report_tallies), the counts are added up per scope (all,
each network, each approver), and the store reads the first-reply times at the ranks
each scope's median and p90 need (CareQueries.reply_times_at). A few dozen rows reach
Python however many cases the period holds, and the figures are the very ones
`reports.report_of` works out of the period's rows (the contract suite checks both
stores against it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Protocol

from bot.core.models import Network, ReportTally
from bot.core.reports import BUCKETS, Report, figures_of, median_ranks, rank_at
from bot.core.sla import SlaPolicy


class ReportSource(Protocol):
    def report_tallies(
        self,
        since: datetime,
        until: datetime,
        limits: Sequence[float],
        targets: Mapping[Network, float],
    ) -> list[tuple[Network, str | None, ReportTally]]: ...

    def reply_times_at(
        self, since: datetime, until: datetime, ranks: Mapping[tuple[str, str], Sequence[int]]
    ) -> dict[tuple[tuple[str, str], int], float]: ...


ALL = ("all", "all")


def _time_at(
    times: Mapping[tuple[tuple[str, str], int], float], key: tuple[str, str], rank: int
) -> float:
    return times[key, rank]


def load_report(queries: ReportSource, since: datetime, until: datetime, sla: SlaPolicy) -> Report:
    """Report figures for mentions posted in [since, until), read from the store."""
    limits = [limit.total_seconds() for _, limit in BUCKETS]
    targets = {network: sla.target(network).total_seconds() for network in Network}
    scopes: dict[tuple[str, str], ReportTally] = {ALL: ReportTally(within=(0,) * len(BUCKETS))}
    for network, approver, tally in queries.report_tallies(since, until, limits, targets):
        keys = [ALL, ("network", network.value)]
        if approver is not None:  # a published case
            keys.append(("person", approver))
        for key in keys:
            scopes[key] = scopes.get(key, ReportTally()) + tally
    ranks = {
        key: (*median_ranks(tally.answered), rank_at(0.9, tally.answered))
        for key, tally in scopes.items()
        if tally.answered
    }
    times = queries.reply_times_at(since, until, ranks) if ranks else {}
    found = {key: figures_of(tally, partial(_time_at, times, key)) for key, tally in scopes.items()}
    return Report(
        since=since,
        until=until,
        overall=found[ALL],
        by_network={name: f for (scope, name), f in found.items() if scope == "network"},
        by_person={name or "unknown": f for (scope, name), f in found.items() if scope == "person"},
    )
