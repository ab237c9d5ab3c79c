"""`build_app(settings)`: the one place where adapters are wired into the core.

It builds the store, the drafters, the networks, the core services (loop, review,
publishing, crisis grouping, operations), the review surface and notifier (Slack when
asked for), the narrow services Slack's handlers get, and the jobs the scheduler runs.
Nothing else constructs these; adapters are imported only when chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial, update_wrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from bot.adapters.clock import SystemClock
from bot.adapters.files import JsonlInbox, JsonlOutbox
from bot.adapters.log_notifier import LogNotifier
from bot.adapters.stores import StoreBackend, lease_for, listener_for, open_store
from bot.careops import Careops
from bot.config import Settings
from bot.core import jobs as ops_jobs
from bot.core.crisis_groups import CrisisGrouper
from bot.core.drafting import DraftingService
from bot.core.gestures import Gifts, WowBook
from bot.core.jobs import Job
from bot.core.link_policy import XLinkGuard, XLinkRules
from bot.core.loop import CareLoop
from bot.core.models import Case, Network
from bot.core.oncall import Roster, Rotation
from bot.core.operations import Operations
from bot.core.ports import (
    Clock,
    Drafter,
    MentionSource,
    Notifier,
    PostLookup,
    Publisher,
    ReviewSurface,
    WatchedSource,
)
from bot.core.publishing import PublishingService
from bot.core.relations import Relations
from bot.core.report_reads import load_report
from bot.core.review import ApproverPolicy, ReviewService
from bot.core.review_actions import ReviewActions
from bot.core.rhythm import PollRhythm, paces_for, spend_reached
from bot.core.rules import LinkBook, link_optional
from bot.core.services import Services
from bot.core.sla import SlaPolicy
from bot.core.take_in import LinkIntake
from bot.core.x_costs import month_start, spent_so_far, x_rows

if TYPE_CHECKING:
    from bot.adapters.slack import SlackOptions, SlackSide

log = logging.getLogger(__name__)

# Cases written per commit when drafts come from templates (fast); a model drafter is
# slow, so each of its cases is committed and shown as soon as it is drafted.
OFFLINE_CHUNK = 100
TARGETS_SECONDS = 60.0
HANDOFF_SECONDS = 60.0
SPIKE_SECONDS = 60.0
DIGEST_SECONDS = 15 * 60.0  # the digest job is idempotent per day; it checks often
RETENTION_SECONDS = 6 * 3600.0


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: StoreBackend | None = None,
    sources: list[MentionSource] | None = None,
    publishers: dict[Network, Publisher] | None = None,
    surface: ReviewSurface | None = None,
    notifier: Notifier | None = None,
    drafter: Drafter | None = None,
    approvers: Callable[[], Iterable[str]] | None = None,
    lookups: dict[Network, PostLookup] | None = None,
    slack: SlackOptions | None = None,
    offline: bool = False,
) -> Careops:
    """Wire careops. With `slack`, Slack is the review surface and notifier, approvers
    come from SLACK_APPROVERS (user groups resolved) and `Careops.slack` serves Slack.
    With `offline`, drafts come from templates whatever the settings (`careops import`)."""
    clock = clock or SystemClock()
    side = _slack_side(settings, slack) if slack is not None else None  # checks tokens first
    lease = lease_for(settings) if store is None else None
    store = store or open_store(settings, fence=lease.epoch if lease else None)
    if side is not None:
        notifier, approvers = side.notifier, side.approvers.ids
    links = _links(settings)
    offline_drafter = _offline_drafter(settings, links, clock)
    primary = drafter or (None if offline else _primary_drafter(settings, links, clock, store))
    primary = primary or offline_drafter
    x_rules = XLinkRules.from_config(settings.ops().get("x", {}))
    drafting = DraftingService(
        primary,
        offline_drafter,
        links,
        clock,
        recent_replies=store.recent_replies,
        examples=store.similar_replies,
        brand_handles=settings.brand_handles,
        # X's link policy may send a reply without its link: the link rule lets it pass
        link_optional=link_optional(x_rules.policy),
        light_tone=_light_tone(settings),
    )
    if sources is None or publishers is None:
        webhooks = slack is not None and not slack.socket_mode  # a public URL Meta can call
        net_sources, net_publishers = _networks(settings, store, clock, webhooks=webhooks)
        if sources is None and lookups is None:  # they share the sources' clients
            lookups = _lookups(net_sources)
        sources = net_sources if sources is None else sources
        publishers = net_publishers if publishers is None else publishers
    lookups = dict(lookups or {})
    ops_file = settings.ops()
    sla = SlaPolicy.from_minutes(ops_file.get("sla", {}))
    crisis = store.ops.crisis_active
    approver_ids = approvers or (lambda: settings.slack_approvers)

    def policy() -> ApproverPolicy:
        return ApproverPolicy.of(approver_ids(), required=2 if crisis() else 1)

    gifts = Gifts(store.wow, store.get_case, _wow_book(settings), clock, lambda: policy().actions)
    relations = Relations(store.people, store.wow, gifts, clock)
    if side is not None:
        surface = side.surface(
            clock,
            sla,
            store.groups,
            store.queries,
            required=lambda: policy().required,
            costs=x_rules,
            notes=relations.card_notes,
        )
    grouper = CrisisGrouper(store.groups, store.get_case, clock, crisis)
    loop = CareLoop(
        store,
        drafting,
        clock,
        surface=surface,
        brand_handles=settings.brand_handles,
        crisis=crisis,
        max_chars=settings.max_mention_chars,
        chunk_size=OFFLINE_CHUNK if primary is offline_drafter else 1,
        grouper=grouper,
        relations=relations,
    )

    def refresh(case: Case) -> None:
        loop.show(case)

    guard = XLinkGuard(
        x_rules,
        _x_spent(store, clock),
        store,
        clock,
        notify=(lambda text: notifier.channel(f":warning: {text}")) if notifier else None,
    )
    publishing = PublishingService(
        store,
        publishers,
        clock,
        on_change=refresh,
        prepare=guard.prepare,
        without_link=guard.without,
    )
    review = ReviewService(store, drafting, publishing, clock, policy=policy, crisis=crisis)
    roster = Roster(Rotation.from_config(ops_file.get("oncall", {})), store.ops.overrides)

    services = Services(
        actions=ReviewActions(review, loop.show, store.queries, store.groups, grouper, gifts),
        queries=store.queries,
        ops=Operations(
            store,
            store.ops,
            store,
            roster,
            partial(load_report, store.queries, sla=sla),
            clock,
            x_budget=lambda: settings.ops().get("x", {}).get("monthly_budget"),
        ),
        links=LinkIntake(lookups, loop),
        clock=clock,
        sla=sla,
        notifier=notifier or LogNotifier(),
        relations=relations,
        leader=lease.status_line if lease is not None else lambda: None,
    )
    care = Careops(
        settings=settings,
        clock=clock,
        store=store,
        links=links,
        sla=sla,
        drafting=drafting,
        loop=loop,
        review=review,
        publishing=publishing,
        services=services,
        sources=list(sources),
        publishers=dict(publishers),
        notifier=notifier,
        surface=surface,
        lookups=lookups,
        lease=lease,
        rhythm=_rhythm(settings, sources, store, clock, x_rules),
        x_rules=x_rules,
    )
    if lease is not None:
        care.listener = listener_for(settings, care.wake_tick)
    set_usergroup = side.set_usergroup() if side is not None else None
    care.jobs = _jobs(care, roster, set_usergroup)
    if side is not None:
        care.slack = side.runtime(services, care.wake_tick)
        if slack is not None and not slack.socket_mode:
            care.http_routes = _webhook_routes(settings, care.sources, care.wake_tick)
    return care


class Wiring(TypedDict, total=False):
    """What `file_app` passes on to `build_app` besides the files."""

    store: StoreBackend
    surface: ReviewSurface
    notifier: Notifier
    drafter: Drafter | None
    approvers: Callable[[], Iterable[str]]
    lookups: dict[Network, PostLookup]
    slack: SlackOptions


def file_app(
    settings: Settings,
    inbox: Path,
    outbox: Path,
    *,
    clock: Clock | None = None,
    **wiring: Unpack[Wiring],
) -> Careops:
    """careops on a JSONL inbox and outbox: the demo, tests, and trying Slack without networks."""
    clock = clock or SystemClock()
    publisher = JsonlOutbox(outbox, clock)
    return build_app(
        settings,
        clock=clock,
        sources=[JsonlInbox(inbox, clock)],
        publishers=dict.fromkeys(Network, publisher),
        **wiring,
    )


def _jobs(
    care: Careops, roster: Roster, set_usergroup: Callable[[str, str], None] | None
) -> dict[str, Job]:
    """The jobs the scheduler runs: name -> (plain function bound here, period in seconds)."""
    ops_file = care.settings.ops()
    store, clock, sla = care.store, care.clock, care.sla
    notifier = care.services.notifier
    ledger = store.ops
    days = int(ops_file.get("retention", {}).get("days", 90))
    digest = ops_file.get("digest", {})
    tick = ops_jobs.Tick(care.tick)
    chosen = {"tick": Job(tick, care.settings.poll_seconds, at_start=True)}
    watched = [source for source in care.sources if isinstance(source, WatchedSource)]
    paced = care.rhythm is not None and bool(care.rhythm.paces)
    if watched or paced:  # a grown inbox, a mention on a stream, a network due: a tick now
        due = care.rhythm.any_due if care.rhythm is not None else None
        watch = partial(ops_jobs.watch_inbox, tick, watched, care.wake_tick, due=due)
        chosen["watch_inbox"] = Job(watch, ops_jobs.WATCH_SECONDS)
    chosen |= {
        "check_targets": Job(
            partial(ops_jobs.check_targets, store, notifier, clock, sla, roster),
            TARGETS_SECONDS,
        ),
        "handoff": Job(
            partial(
                ops_jobs.handoff,
                store,
                notifier,
                clock,
                sla,
                roster,
                ledger,
                crisis=store.ops.crisis_state,
                set_usergroup=set_usergroup,
            ),
            HANDOFF_SECONDS,
        ),
        "spike_check": Job(
            partial(ops_jobs.spike_check, store, notifier, clock, roster, ledger),
            SPIKE_SECONDS,
        ),
        "daily_digest": Job(
            partial(
                ops_jobs.daily_digest,
                store,
                notifier,
                clock,
                sla,
                roster,
                ledger,
                hour=int(digest.get("hour", 9)),
                report=care.services.ops.report,
            ),
            DIGEST_SECONDS,
        ),
        "retention": Job(
            partial(ops_jobs.retention, store.ops.purge_before, clock, days),
            RETENTION_SECONDS,
        ),
    }
    if not digest.get("enabled", True):
        del chosen["daily_digest"]
    return {
        name: _leader_only(care, job) if name != "tick" else job for name, job in chosen.items()
    }


def _leader_only(care: Careops, job: Job) -> Job:
    """With several instances on one database, a job runs on the leader only, so each
    digest, target ping and handoff happens once (the tick checks for itself)."""

    def run() -> object:
        return job.run() if care.leads() else None

    return replace(job, run=update_wrapper(run, job.run))  # inspect.unwrap finds the job


# --- adapters that are chosen by settings -------------------------------------------------


def _slack_side(settings: Settings, options: SlackOptions) -> SlackSide:
    from bot.adapters.slack import slack_side

    return slack_side(settings, options)


def _links(settings: Settings) -> LinkBook:
    from bot.adapters.drafters import load_links

    return load_links(settings.prompts)


def _light_tone(settings: Settings) -> frozenset[str]:
    from bot.adapters.drafters import load_light_tone

    return load_light_tone(settings.prompts)


def _wow_book(settings: Settings) -> WowBook:
    from bot.adapters.drafters import load_wow

    return load_wow(settings.prompts)


def _offline_drafter(settings: Settings, links: LinkBook, clock: Clock) -> Drafter:
    from bot.adapters.drafters import OfflineDrafter, load_offline_templates

    return OfflineDrafter(links, clock, load_offline_templates(settings.prompts / "offline.yaml"))


def _primary_drafter(
    settings: Settings, links: LinkBook, clock: Clock, store: StoreBackend
) -> Drafter | None:
    if settings.openai_api_key is None:
        return None
    from bot.adapters.drafters import build_drafter

    return build_drafter(settings, links, clock, store)


def _networks(
    settings: Settings, store: StoreBackend, clock: Clock, *, webhooks: bool
) -> tuple[list[MentionSource], dict[Network, Publisher]]:
    from bot.adapters.networks import build_networks

    return build_networks(settings, store, clock, webhooks=webhooks)


def _webhook_routes(
    settings: Settings, sources: list[MentionSource], wake: Callable[[], None]
) -> dict[str, Any]:
    from bot.adapters.networks_meta import webhook_routes

    return webhook_routes(settings, sources, wake)


def _lookups(sources: list[MentionSource]) -> dict[Network, PostLookup]:
    from bot.adapters.networks import lookups_for

    return lookups_for(sources)


def _rhythm(
    settings: Settings,
    sources: Iterable[MentionSource],
    store: StoreBackend,
    clock: Clock,
    x_rules: XLinkRules,
) -> PollRhythm:
    """Each network's polling pace (bot/core/rhythm.py): open cases per network from the
    store; on X, the spend so far against the team's X budget."""
    spent = _x_spent(store, clock)
    daily, monthly = x_rules.daily_budget, x_rules.monthly_budget

    def open_cases(name: str) -> int:
        awaiting = ops_jobs.AWAITING_HUMAN
        return store.queries.count_posted_before(awaiting, Network(name), clock.now())

    def over_budget(name: str) -> bool:
        if name != Network.X.value or (daily is None and monthly is None):
            return False
        today, month = spent()
        return spend_reached(today, month, daily_budget=daily, monthly_budget=monthly)

    paces = paces_for(
        (source.name for source in sources),
        quiet=settings.poll_seconds,
        fast=settings.poll_fast_seconds,
        x_cost_per_poll=x_rules.prices.request,
        x_daily_budget=x_rules.daily_budget,
        x_monthly_budget=x_rules.monthly_budget,
    )
    return PollRhythm(paces, clock, open_cases=open_cases, over_budget=over_budget)


def _x_spent(store: StoreBackend, clock: Clock) -> Callable[[], tuple[float, float]]:
    """X spend today and this month, read from the usage table when a reply is sent."""

    def spent() -> tuple[float, float]:
        today = clock.now().date()
        return spent_so_far(x_rows(store.usage_since(month_start(today).isoformat())), today)

    return spent
