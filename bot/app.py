"""`build_app(settings)`: the one place where adapters are wired into the core."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.adapters.clock import SystemClock
from bot.adapters.files import JsonlInbox, JsonlOutbox
from bot.adapters.stores import StoreBackend, examples_for, open_store
from bot.config import Settings
from bot.core.drafting import DraftingService
from bot.core.loop import CareLoop, IntakeSummary
from bot.core.models import Case, Network
from bot.core.ports import (
    Clock,
    Drafter,
    MentionSource,
    Notifier,
    PostLookup,
    Publisher,
    ReviewSurface,
)
from bot.core.publishing import PublishingService, PublishOutcome
from bot.core.review import ApproverPolicy, ReviewService
from bot.core.rules import LinkBook
from bot.core.sla import SlaPolicy
from bot.logging_setup import Conditions

log = logging.getLogger(__name__)

PAUSED_KEY = "intake.paused"
INTAKE_NOTICES_KEY = "intake.notices"  # JSON list of what is wrong with intake right now
# Cases written per commit when drafts come from templates (fast); a model drafter is
# slow, so each of its cases is committed and shown as soon as it is drafted.
OFFLINE_CHUNK = 100


@dataclass
class TickSummary:
    intake: IntakeSummary = field(default_factory=IntakeSummary)
    published: list[PublishOutcome] = field(default_factory=list)
    paused: bool = False
    notices: list[str] = field(default_factory=list)


@dataclass
class Careops:
    """Everything a running careops needs, wired once."""

    settings: Settings
    clock: Clock
    store: StoreBackend
    links: LinkBook
    sla: SlaPolicy
    drafting: DraftingService
    loop: CareLoop
    review: ReviewService
    publishing: PublishingService
    sources: list[MentionSource]
    publishers: dict[Network, Publisher]
    notifier: Notifier | None = None
    surface: ReviewSurface | None = None
    # Fetch one post by its link (`/care draft <url>`), per configured network.
    lookups: dict[Network, PostLookup] = field(default_factory=dict)
    _told: set[str] | None = field(default=None, repr=False)  # None: nothing told yet
    _failures: Conditions = field(default_factory=lambda: Conditions(log), repr=False)

    def startup(self) -> list[PublishOutcome]:
        """Migrate, resolve replies a crash left half-sent, finish cases it left undrafted."""
        self.store.migrate()
        outcomes = self.publishing.reconcile()
        self.loop.resume()
        return outcomes

    @property
    def paused(self) -> bool:
        return self.store.get_setting(PAUSED_KEY) == "1"

    @property
    def intake_notices(self) -> list[str]:
        """Degraded intake as of the last tick (rate limits, gaps, failing sources)."""
        return list(json.loads(self.store.get_setting(INTAKE_NOTICES_KEY) or "[]"))

    def set_paused(self, paused: bool) -> None:
        self.store.set_setting(PAUSED_KEY, "1" if paused else "0")

    def tick(self) -> TickSummary:
        """One round of the loop: poll every source (unless paused), publish approved replies."""
        summary = TickSummary(paused=self.paused)
        self.loop.resume()  # a case an earlier error left undrafted gets its draft now
        if not summary.paused:
            for source in self.sources:
                try:
                    summary.intake.add(self.loop.poll([source]))
                except Exception as exc:  # one broken network must not stop the others
                    self._failures.failed(f"poll:{source.name}", f"polling {source.name}", exc)
                    summary.notices.append(f"{source.name}: intake failed ({type(exc).__name__})")
                else:
                    self._failures.ok(f"poll:{source.name}", f"polling {source.name}")
        summary.published = self.publishing.publish_pending()
        summary.notices.extend(summary.intake.notices)
        self._tell(summary.notices)
        return summary

    def _tell(self, notices: list[str]) -> None:
        """Post intake notices (gaps, rate limits, failures) to the channel once each,
        until they stop and come back: a lasting problem is not repeated every tick."""
        current = set(notices)
        if current != self._told:  # written on the first tick and on every change only
            self.store.set_setting(INTAKE_NOTICES_KEY, json.dumps(sorted(current)))
        told = set(self._told or ())
        if self.notifier is not None:
            for text in notices:
                if text not in told:
                    try:
                        self.notifier.channel(f":warning: {text}")
                    except Exception as exc:  # Slack down: say it in the log, try next tick
                        self._failures.failed("notice", "posting a notice to Slack", exc)
                        current.discard(text)
                    else:
                        self._failures.ok("notice", "posting a notice to Slack")
        self._told = current


def tune_gc() -> None:
    """Collect garbage less often in a long-running process.

    The loop allocates many short-lived objects; with Python's default gen-0 threshold
    (700) the collector keeps rescanning what start-up loaded (lexicons, templates,
    SDK modules). Freezing those and raising the threshold costs a little memory and
    saves about a tenth of the intake time (see `make bench`).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


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
) -> Careops:
    clock = clock or SystemClock()
    store = store or open_store(settings)
    links = _links(settings)
    offline = _offline_drafter(settings, links, clock)
    primary = drafter or _primary_drafter(settings, links, clock, store) or offline
    drafting = DraftingService(
        primary,
        offline,
        links,
        clock,
        recent_replies=store.recent_replies,
        examples=examples_for(store),
        brand_handles=settings.brand_handles,
    )
    if sources is None or publishers is None:
        net_sources, net_publishers = _networks(settings, store, clock)
        if sources is None and lookups is None:  # they share the sources' clients
            lookups = _lookups(net_sources)
        sources = net_sources if sources is None else sources
        publishers = net_publishers if publishers is None else publishers
    ops = settings.ops()
    sla = SlaPolicy.from_minutes(ops.get("sla", {}))
    crisis = _crisis_flag(store)
    approver_ids = approvers or (lambda: settings.slack_approvers)

    def policy() -> ApproverPolicy:
        return ApproverPolicy.of(approver_ids(), required=2 if crisis() else 1)

    loop = CareLoop(
        store,
        drafting,
        clock,
        surface=surface,
        brand_handles=settings.brand_handles,
        crisis=crisis,
        max_chars=settings.max_mention_chars,
        chunk_size=OFFLINE_CHUNK if primary is offline else 1,
    )

    def refresh(case: Case) -> None:
        loop.show(case)

    publishing = PublishingService(store, publishers, clock, on_change=refresh)
    review = ReviewService(store, drafting, publishing, clock, policy=policy, crisis=crisis)
    return Careops(
        settings=settings,
        clock=clock,
        store=store,
        links=links,
        sla=sla,
        drafting=drafting,
        loop=loop,
        review=review,
        publishing=publishing,
        sources=list(sources),
        publishers=dict(publishers),
        notifier=notifier,
        surface=surface,
        lookups=dict(lookups or {}),
    )


def file_app(
    settings: Settings, inbox: Path, outbox: Path, *, clock: Clock | None = None, **kwargs: Any
) -> Careops:
    """careops on a JSONL inbox and outbox: the demo, tests, and trying Slack without networks."""
    clock = clock or SystemClock()
    publisher = JsonlOutbox(outbox, clock)
    return build_app(
        settings,
        clock=clock,
        sources=[JsonlInbox(inbox, clock)],
        publishers=dict.fromkeys(Network, publisher),
        **kwargs,
    )


# --- adapters that are chosen by settings -------------------------------------------------


def _links(settings: Settings) -> LinkBook:
    from bot.adapters.drafters import load_links

    return load_links(settings.prompts)


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
    settings: Settings, store: StoreBackend, clock: Clock
) -> tuple[list[MentionSource], dict[Network, Publisher]]:
    from bot.adapters.networks import build_networks

    return build_networks(settings, store, clock)


def _lookups(sources: list[MentionSource]) -> dict[Network, PostLookup]:
    from bot.adapters.networks import lookups_for

    return lookups_for(sources)


def _crisis_flag(store: StoreBackend) -> Callable[[], bool]:
    from bot.adapters.sqlite import crisis_active

    return lambda: crisis_active(store)
