"""Operations jobs: plain functions with explicit inputs. APScheduler only calls them.

Each job is safe to run at any moment and as often as wanted: what must happen once
(a target ping, a handoff digest, a spike alert, the daily digest) is remembered, on
the case (`Case.flags`) or in a `Ledger`, so a restart or an extra run repeats nothing.
A person is told first and the marker written after, so a failed message is retried on
the next run rather than lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.cases import OPEN_STATES, note
from bot.core.crisis import Spike, SpikeConfig, detect_spike, inert, observations
from bot.core.models import Case, CaseState, CrisisState
from bot.core.oncall import Handoff, Roster
from bot.core.ports import Clock, Notifier, Store, WatchedSource
from bot.core.reports import Report, build_report, to_text
from bot.core.risk import risks_in
from bot.core.sla import SlaPolicy, humanize

# Cases a person still has to act on; approved ones are out of human hands.
AWAITING_HUMAN = OPEN_STATES - {CaseState.APPROVED, CaseState.PUBLISHING}
DEFAULT_SPIKE = SpikeConfig()


# How often a file inbox is looked at (one stat): an appended line is taken within this
# (plus the tick's own time), whatever CAREOPS_POLL_SECONDS says.
WATCH_SECONDS = 0.5


@dataclass(frozen=True)
class Job:
    """A plain function the scheduler calls every `seconds` (from start-up on when
    `at_start`, else one interval later)."""

    run: Callable[[], object]
    seconds: float
    at_start: bool = False


class Tick:
    """The tick job, knowing whether it is running, so the inbox watch never asks for a
    run while one is under way (the run after it would be skipped, and logged)."""

    def __init__(self, tick: Callable[[], object]) -> None:
        self._tick = tick
        self.running = False

    def __call__(self) -> None:
        self.running = True
        try:
            self._tick()
        finally:
            self.running = False


def watch_inbox(
    tick: Tick,
    sources: Sequence[WatchedSource],
    wake: Callable[[], None],
    *,
    due: Callable[[], bool] | None = None,
) -> None:
    """Wake the tick now when a watched source has news, or a network is `due` for its
    next poll (bot/core/rhythm.py), rather than at the tick's next interval.

    Asked every `WATCH_SECONDS`: while a tick is running it waits, and the next look after
    it still sees the news if that tick read the file before the line arrived."""
    if tick.running:
        return
    if (due is not None and due()) or any(source.has_news() for source in sources):
        wake()


class Ledger(Protocol):
    """Once-only markers for things that are not about one case."""

    def seen(self, key: str) -> bool: ...

    def mark(self, key: str, at: datetime, detail: str = "") -> None: ...


def mention(user: str | None) -> str:
    return f"<@{user}>" if user else "nobody (no rotation configured)"


def _locked(store: Store) -> AbstractContextManager[object]:
    """The store's transaction when it has one, so a flag is added to the freshest case."""
    transaction = getattr(store, "transaction", None)
    return transaction() if callable(transaction) else nullcontext()


def _flag(store: Store, case_id: str, flag: str, at: datetime, detail: str) -> None:
    with _locked(store):
        fresh = store.get_case(case_id)
        if fresh is None or flag in fresh.flags:
            return
        flagged = fresh.with_flag(flag)
        if flag == "sla100":
            flagged = flagged.with_flag("breached")
        store.save_case(flagged, note(flagged, at=at, actor="system", action=flag, detail=detail))


def check_targets(
    store: Store, notifier: Notifier, clock: Clock, sla: SlaPolicy, roster: Roster
) -> list[tuple[str, str]]:
    """Ping on-call at 50% of a case's target (card thread) and DM at 100% (breached);
    page on-call at once for a safety or self-harm risk.

    Returns the (case id, flag) pairs that fired now, in order.
    """
    now = clock.now()
    fired: list[tuple[str, str]] = []
    # a case flagged sla100 has had both pings (and its risk page): only the rest can fire
    for case in store.cases_lacking(AWAITING_HUMAN, "sla100"):
        if _page_for_risk(case, store, notifier, now, roster):
            fired.append((case.id, "risk_paged"))
        used = sla.fraction(case.mention, now)
        if used >= 0.5 and "sla50" not in case.flags:
            who = roster.who_at(now)
            left = sla.due_at(case.mention) - now
            due = f"due in {humanize(left)}" if left > timedelta(0) else "already past due"
            notifier.thread(case, f"{mention(who)} half of the target is gone: {due}.")
            _flag(store, case.id, "sla50", now, f"pinged {who}")
            fired.append((case.id, "sla50"))
        if used >= 1.0 and "sla100" not in case.flags:
            who = roster.who_at(now)
            text = (
                f"Target missed: {case.network.value} @{inert(case.mention.author_handle)} posted "
                f"{humanize(now - case.mention.created_at)} ago and has no reply yet. "
                f"{case.mention.url}"
            )
            if who:
                notifier.direct(who, text)
            else:
                notifier.thread(case, text)
            _flag(store, case.id, "sla100", now, f"told {who}")
            fired.append((case.id, "sla100"))
    return fired


def _page_for_risk(
    case: Case, store: Store, notifier: Notifier, now: datetime, roster: Roster
) -> bool:
    """DM whoever is on call (the card thread when nobody is) about a risk that pages."""
    paging = [r for r in risks_in(case.triage.tags if case.triage else ()) if r.page_oncall]
    if not paging or "risk_paged" in case.flags:
        return False
    who = roster.who_at(now)
    text = (
        f"{mention(who)} {', '.join(r.label for r in paging)} risk: {case.network.value} "
        f"@{inert(case.mention.author_handle)}, {paging[0].guidance}. {case.mention.url}"
    )
    if who:
        notifier.direct(who, text)
    else:
        notifier.thread(case, text)
    _flag(store, case.id, "risk_paged", now, f"paged {who}")
    return True


def digest_text(
    store: Store,
    sla: SlaPolicy,
    now: datetime,
    crisis: CrisisState,
    until: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    """What an incoming on-call person needs: open cases, those near target, crisis."""
    open_cases = store.cases(AWAITING_HUMAN)
    near = [c for c in open_cases if 0.5 <= sla.fraction(c.mention, now) < 1.0]
    late = [c for c in open_cases if sla.fraction(c.mention, now) >= 1.0]
    lines = ["You are on call now" + (f" until {until.astimezone(tz):%a %H:%M}." if until else ".")]
    lines.append(f"Open cases: {len(open_cases)}; close to target: {len(near)}; late: {len(late)}.")
    for case in sorted(near, key=lambda c: sla.due_at(c.mention))[:5]:
        due = humanize(sla.due_at(case.mention) - now)
        lines.append(f"• due in {due}: {_line(case)}")
    for case in late[:5]:
        lines.append(f"• late: {_line(case)}")
    if crisis.active:
        since = f" since {crisis.at:%a %H:%M} UTC" if crisis.at else ""
        lines.append(f"Crisis mode is ON{since}: {crisis.reason or 'no reason given'}.")
    return "\n".join(lines)


def _line(case: Case) -> str:
    text = inert(case.mention.text)
    short = text if len(text) <= 80 else text[:79] + "…"
    return f"{case.network.value} @{inert(case.mention.author_handle)}: {short}"


def handoff(
    store: Store,
    notifier: Notifier,
    clock: Clock,
    sla: SlaPolicy,
    roster: Roster,
    ledger: Ledger,
    *,
    crisis: Callable[[], CrisisState] = lambda: CrisisState(False),
    set_usergroup: Callable[[str, str], None] | None = None,
    lookback: timedelta = timedelta(hours=1),
) -> list[Handoff]:
    """At each handoff, DM the incoming person a digest (once) and move the user group."""
    now = clock.now()
    sent = []
    for change in roster.handoffs(now - lookback, now):
        key = f"handoff:{change.at.isoformat()}:{change.incoming}"
        if ledger.seen(key):
            continue
        upcoming = roster.handoffs(now, now + timedelta(days=14))
        until = upcoming[0].at if upcoming else None
        tz = roster.rotation.tz if roster.rotation else None
        notifier.direct(change.incoming, digest_text(store, sla, now, crisis(), until, tz))
        group = roster.rotation.usergroup if roster.rotation else None
        if group and set_usergroup:
            set_usergroup(group, change.incoming)
        ledger.mark(key, now, f"from {change.outgoing}")
        sent.append(change)
    return sent


def spike_check(
    store: Store,
    notifier: Notifier,
    clock: Clock,
    roster: Roster,
    ledger: Ledger,
    *,
    config: SpikeConfig = DEFAULT_SPIKE,
    cooldown: timedelta = timedelta(hours=1),
) -> Spike | None:
    """Alert on-call (DM) and the channel when mentions spike; at most one per cooldown."""
    now = clock.now()
    since = now - config.baseline - config.window
    recent = [
        c for c in store.cases(since=since - timedelta(hours=1)) if c.mention.created_at > since
    ]
    spike = detect_spike(observations(recent), now, config)
    if spike is None:
        return None
    bucket = int(now.timestamp() // cooldown.total_seconds())
    if ledger.seen(f"spike:{bucket}") or ledger.seen(f"spike:{bucket - 1}"):
        return None
    who = roster.who_at(now)
    if who:
        notifier.direct(who, spike.summary())
    notifier.channel(f"{mention(who)} {spike.summary()}")
    ledger.mark(f"spike:{bucket}", now, f"{spike.count} mentions")
    return spike


def daily_digest(
    store: Store,
    notifier: Notifier,
    clock: Clock,
    sla: SlaPolicy,
    roster: Roster,
    ledger: Ledger,
    *,
    hour: int = 9,
    tz: ZoneInfo | None = None,
    report: Callable[[datetime, datetime], Report] | None = None,
) -> bool:
    """Once a day, from `hour` local time: the last 24 hours' figures in the channel.
    `report(since, until)` reads them (the store's report reads); without it they are
    worked out from the cases of the period."""
    now = clock.now()
    zone = tz or (roster.rotation.tz if roster.rotation else ZoneInfo("UTC"))
    local = now.astimezone(zone)
    key = f"digest:{local.date().isoformat()}"
    if local.hour < hour or ledger.seen(key):
        return False
    since = now - timedelta(days=1)
    figures = (report or partial(_report_of_cases, store, sla))(since, now)
    open_now = len(store.cases(AWAITING_HUMAN))
    who = roster.who_at(now)
    notifier.channel(
        f"Daily care digest ({local:%a %d %b}): {to_text(figures.overall)} "
        f"Open now: {open_now}. On call: {mention(who)}."
    )
    ledger.mark(key, now)
    return True


def _report_of_cases(store: Store, sla: SlaPolicy, since: datetime, until: datetime) -> Report:
    cases = store.cases(since=since - timedelta(days=1))
    drafts = {c.draft_id: d for c in cases if c.draft_id and (d := store.get_draft(c.draft_id))}
    return build_report(cases, drafts, since=since, until=until, sla=sla, audit=store.audit)


def retention(
    purge_before: Callable[[datetime], Mapping[str, int]], clock: Clock, days: int
) -> Mapping[str, int]:
    """Delete data older than `days` (finished cases, their drafts, audit, quarantine)."""
    if days <= 0:
        return {}
    return purge_before(clock.now() - timedelta(days=days))
