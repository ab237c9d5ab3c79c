"""`Careops`: a running careops as `build_app` wired it (bot/app.py).

Each tick polls the networks that are due (all of them, or those the polling rhythm
names, or one that has news) and publishes approved replies; with PostgreSQL only the
instance holding the lease does, after reconciling what the last leader left. The
scheduler runs the tick and the operations jobs; `close` stops them in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.adapters.stores import StoreBackend
from bot.config import Settings
from bot.core.drafting import DraftingService
from bot.core.jobs import Job
from bot.core.link_policy import XLinkRules
from bot.core.loop import CareLoop, IntakeSummary
from bot.core.models import Network
from bot.core.ports import (
    Clock,
    MentionSource,
    Notifier,
    PostLookup,
    Publisher,
    PushedSource,
    ReviewSurface,
    WatchedSource,
)
from bot.core.publishing import PublishingService, PublishOutcome
from bot.core.review import ReviewService
from bot.core.rhythm import PollRhythm
from bot.core.rules import LinkBook
from bot.core.services import Services
from bot.core.sla import SlaPolicy
from bot.logging_setup import Conditions

if TYPE_CHECKING:
    from bot.adapters.scheduler import Scheduler
    from bot.adapters.slack import SlackRuntime

log = logging.getLogger(__name__)


@dataclass
class TickSummary:
    intake: IntakeSummary = field(default_factory=IntakeSummary)
    published: list[PublishOutcome] = field(default_factory=list)
    paused: bool = False
    notices: list[str] = field(default_factory=list)
    following: bool = False  # another instance leads: this one only serves Slack


class Lease(Protocol):
    """Leadership among instances sharing one database (bot/adapters/postgres/_lease.py)."""

    def epoch(self) -> int | None:
        """This instance's epoch while it leads; None while another one does."""
        ...

    def start(self, on_lead: Callable[[], None]) -> None:
        """Bid (and renew) in the background; `on_lead` is called on becoming leader."""
        ...

    def stop(self) -> None: ...

    def status_line(self) -> str:
        """Which instance leads and since when, for people."""
        ...


class Background(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Careops:
    """Everything a running careops needs, wired once by `build_app`."""

    settings: Settings
    clock: Clock
    store: StoreBackend
    links: LinkBook
    sla: SlaPolicy
    drafting: DraftingService
    loop: CareLoop
    review: ReviewService
    publishing: PublishingService
    services: Services
    sources: list[MentionSource]
    publishers: dict[Network, Publisher]
    notifier: Notifier | None = None
    surface: ReviewSurface | None = None
    # Fetch one post by its link (`/care draft <url>`), per configured network.
    lookups: dict[Network, PostLookup] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    slack: SlackRuntime | None = None
    # Served beside Slack's endpoint in HTTP mode (path → WSGI app): Meta's webhooks.
    http_routes: dict[str, Any] = field(default_factory=dict)
    scheduler: Scheduler | None = None
    # PostgreSQL: only the leader polls, publishes and runs jobs; `listener` wakes its tick
    # when a reply is approved on any instance. None: this run is alone on its database.
    lease: Lease | None = None
    listener: Background | None = None
    # When each network is polled next (faster while mentions arrive); None: every tick.
    rhythm: PollRhythm | None = None
    # X's prices and link policy (careops.toml [x]): what a card says sending costs.
    x_rules: XLinkRules = field(default_factory=XLinkRules)
    _led_epoch: int | None = field(default=None, repr=False)  # reconciled as leader of it
    _told: set[str] | None = field(default=None, repr=False)  # None: nothing told yet
    _said: dict[str, list[str]] = field(default_factory=dict, repr=False)  # by source
    _failures: Conditions = field(default_factory=lambda: Conditions(log), repr=False)

    def startup(self) -> list[PublishOutcome]:
        """Migrate, resolve replies a crash left half-sent, finish cases it left undrafted.
        With a lease, the last two wait until this instance leads (see `tick`)."""
        self.store.migrate()
        if self.lease is not None:
            return []
        outcomes = self.publishing.reconcile()
        self.loop.resume()
        return outcomes

    def leads(self) -> bool:
        return self.lease is None or self.lease.epoch() is not None

    def _take_over(self) -> bool:
        """False while another instance leads. On becoming leader (each new epoch), first
        settle what the last leader left in flight, as a start-up would."""
        if self.lease is None:
            return True
        epoch = self.lease.epoch()
        if epoch is None:
            return False
        if epoch != self._led_epoch:
            log.info("leading (epoch %s): reconciling the outbox first", epoch)
            self.publishing.reconcile()
            self._led_epoch = epoch
        return True

    @property
    def paused(self) -> bool:
        return self.services.ops.paused

    @property
    def intake_notices(self) -> list[str]:
        """Degraded intake as of the last tick (rate limits, gaps, failing sources)."""
        return self.services.ops.intake_notices

    def set_paused(self, paused: bool) -> None:
        self.services.ops.set_paused(paused)

    def tick(self) -> TickSummary:
        """One round of the loop: poll every source (unless paused), publish approved replies."""
        if not self._take_over():
            return TickSummary(following=True)
        summary = TickSummary(paused=self.paused)
        self.loop.resume()  # a case an earlier error left undrafted gets its draft now
        if not summary.paused:
            for source in self.sources:
                if self._due(source):  # else what it last said still holds
                    self._said[source.name] = self._poll(source, summary)
                summary.notices.extend(self._said.get(source.name, ()))
        elif self.rhythm is not None:
            self.rhythm.hold()  # nothing is due while paused: the watch leaves the tick be
        summary.published = self.publishing.publish_pending()
        if self.scheduler is not None and (due := self.publishing.next_due()) is not None:
            self.scheduler.run_at("tick", due)  # a Threads reply container is published when due
        self._tell(summary.notices)
        return summary

    def _due(self, source: MentionSource) -> bool:
        """Poll a source when its rhythm says so, or at once when it has news (a grown
        file inbox, a mention announced on a stream)."""
        news = isinstance(source, WatchedSource) and source.has_news()
        return news or self.rhythm is None or self.rhythm.due(source.name)

    def _poll(self, source: MentionSource, summary: TickSummary) -> list[str]:
        """Poll one source into `summary`; returns its notices."""
        arrived = 0
        try:
            intake = self.loop.poll([source])
            arrived = intake.new
            summary.intake.add(intake)
        except Exception as exc:  # one broken network must not stop the others
            self._failures.failed(f"poll:{source.name}", f"polling {source.name}", exc)
            return [f"{source.name}: intake failed ({type(exc).__name__})"]
        else:
            self._failures.ok(f"poll:{source.name}", f"polling {source.name}")
            return intake.notices
        finally:
            if self.rhythm is not None:
                pushing = isinstance(source, PushedSource) and source.pushing()
                self.rhythm.polled(source.name, arrived, streaming=pushing)

    def _tell(self, notices: list[str]) -> None:
        """Post intake notices (gaps, rate limits, failures) to the channel once each,
        until they stop and come back: a lasting problem is not repeated every tick."""
        current = set(notices)
        if current != self._told:  # written on the first tick and on every change only
            self.services.ops.set_intake_notices(current)
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

    def start_jobs(self) -> None:
        """Start polling, publishing and the operations jobs on their timers."""
        from bot.adapters.scheduler import Scheduler

        self.scheduler = Scheduler(self.jobs)
        for source in self.sources:
            if isinstance(source, PushedSource):
                source.start_push(self.leads)  # Mastodon's stream, on the leader only
        if self.lease is not None:
            self.lease.start(self.wake_tick)  # PostgreSQL: bid to lead
        if self.listener is not None:
            self.listener.start()  # and wake the tick on replies approved anywhere

    def wake_tick(self) -> None:
        """Run the tick job now (an approval to publish, a grown inbox), not at its next
        interval."""
        if self.scheduler is not None:
            self.scheduler.run_soon("tick")

    def close(self) -> None:
        """Stop the jobs, then Slack (flushing group cards), then the store."""
        if self.scheduler is not None:
            self.scheduler.stop()
            for source in self.sources:
                if isinstance(source, PushedSource):
                    source.stop_push()
        if self.listener is not None:
            self.listener.stop()
        if self.lease is not None:
            self.lease.stop()  # another instance takes over at its next bid
        if self.slack is not None:
            self.slack.close()
        self.store.close()
