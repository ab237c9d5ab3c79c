"""The report's reads (CareQueries.report_tallies and reply_times_at), in SQL both stores
read: the cases of the period are counted in SQL per network and approver, and the
first-reply times are ranked in SQL, so only a few dozen rows reach Python however
many cases the period holds. What each count means is bot/core/reports.py's (its
`tally_of` counts the same things of whole cases)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from bot.adapters.sqlite import _codec as codec
from bot.adapters.sqlite._db import SqlDatabase
from bot.core.models import Network, ReportTally

Seconds = Callable[[str, str], str]  # SQL for the seconds between two ISO times
Scope = tuple[str, str]

# Who approved a published reply: the case's approver, else the last approval in its
# audit rows ('' when nobody is on record); NULL for cases not published.
_APPROVER = (
    "CASE WHEN c.state = 'published' THEN coalesce(CASE WHEN coalesce(c.approved_by, '') = ''"
    " THEN (SELECT a.actor FROM audit a WHERE a.case_id = c.id AND a.to_state = 'approved'"
    " ORDER BY a.id DESC LIMIT 1) ELSE c.approved_by END, '') END"
)
# Published as drafted: a drafter's draft (not a person's), not an edit of another one;
# its draft looked up by key for published cases only. A count, not EXISTS: PostgreSQL
# hashes an EXISTS over the whole drafts table (1.7 s at 1M drafts).
_UNEDITED = (
    "CASE WHEN c.state = 'published' THEN (SELECT count(*) FROM drafts d"
    " WHERE d.id = c.draft_id AND d.drafter NOT LIKE 'human:%'"
    " AND coalesce(d.edited_from, '') = '') ELSE 0 END AS unedited"
)


def _cases_of_period(seconds: Seconds, *, unedited: bool = False) -> str:
    """One row per case posted in [?, ?): its network, state, approver, first-reply time
    (published cases only, never below 0), age at the period's end (the first parameter)
    and whether the target check flagged it; and, when asked, whether it went out unedited."""
    reply = seconds("c.published_at", "c.posted_at")
    return (
        f"SELECT c.network, c.state, {_APPROVER} AS approver,"
        f" CASE WHEN c.state = 'published' AND c.published_at IS NOT NULL THEN"
        f" CASE WHEN {reply} < 0 THEN 0.0 ELSE {reply} END END AS seconds,"
        f" {seconds('?', 'c.posted_at')} AS age, c.flags LIKE '%\"breached\"%' AS flagged"
        f"{f', {_UNEDITED}' if unedited else ''}"
        " FROM cases c WHERE c.posted_at >= ? AND c.posted_at < ?"
    )


def report_tallies(
    db: SqlDatabase,
    seconds: Seconds,
    since: datetime,
    until: datetime,
    limits: Sequence[float],
    targets: Mapping[Network, float],
) -> list[tuple[Network, str | None, ReportTally]]:
    within = "".join(
        f", sum(CASE WHEN seconds <= ? THEN 1 ELSE 0 END) AS within_{n}" for n in range(len(limits))
    )
    target = "CASE network" + " WHEN ? THEN ?" * len(targets) + " END"
    rows = db.tuples(  # materialized: each case's times are worked out once, not per use
        f"WITH period AS MATERIALIZED ({_cases_of_period(seconds, unedited=True)})"
        " SELECT network, approver, count(*) AS mentions,"
        " sum(CASE WHEN state <> 'dismissed' THEN 1 ELSE 0 END) AS needing,"
        " sum(CASE WHEN state = 'published' THEN 1 ELSE 0 END) AS published,"
        " sum(CASE WHEN seconds IS NOT NULL THEN 1 ELSE 0 END) AS answered,"
        " sum(unedited) AS unedited,"
        " sum(CASE WHEN state <> 'dismissed' AND"
        f" (flagged OR coalesce(seconds, age) > {target}) THEN 1 ELSE 0 END) AS breached"
        f"{within} FROM period GROUP BY network, approver",
        (
            *_period(since, until),
            *(value for pair in targets.items() for value in pair),
            *limits,
        ),
    )
    networks = {n.value: n for n in Network}
    return [
        (networks[network], approver, _tally([int(n) for n in counts]))
        for network, approver, *counts in rows
    ]


def _tally(counts: list[int]) -> ReportTally:
    """A row's counts, in report_tallies' column order."""
    mentions, needing, published, answered, unedited, breached, *within = counts
    return ReportTally(mentions, needing, published, answered, tuple(within), unedited, breached)


def reply_times_at(
    db: SqlDatabase,
    seconds: Seconds,
    since: datetime,
    until: datetime,
    ranks: Mapping[Scope, Sequence[int]],
) -> dict[tuple[Scope, int], float]:
    """The first-reply times in order per scope (all; each network; each approver, ''
    for nobody on record), read at the 1-based ranks asked for."""
    wanted = sorted({rank for scope_ranks in ranks.values() for rank in scope_ranks})
    if not wanted:
        return {}
    rows = db.tuples(
        f"WITH answered AS (SELECT * FROM ({_cases_of_period(seconds)}) period"
        " WHERE seconds IS NOT NULL)"
        " SELECT scope, name, place, seconds FROM (SELECT scope, name, seconds,"
        " row_number() OVER (PARTITION BY scope, name ORDER BY seconds) AS place FROM ("
        " SELECT 'all' AS scope, 'all' AS name, seconds FROM answered"
        " UNION ALL SELECT 'network', network, seconds FROM answered"
        " UNION ALL SELECT 'person', approver, seconds FROM answered) scoped) ranked"
        f" WHERE place IN ({', '.join('?' * len(wanted))})",
        (*_period(since, until), *wanted),
    )
    return {
        ((scope, name), int(place)): float(value)
        for scope, name, place, value in rows
        if int(place) in ranks.get((scope, name), ())
    }


def _period(since: datetime, until: datetime) -> tuple[str | None, ...]:
    """The parameters of `_cases_of_period`: the period's end (for ages), then the period."""
    return codec.iso(until), codec.iso(since), codec.iso(until)
