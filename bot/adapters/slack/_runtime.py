"""A running Slack side: the Web API client, surface, notifier, bolt App and a worker.

`build_runtime` makes the Slack pieces, lets the caller wire careops with them
(`make_app(surface, notifier, approvers)` → `Careops`), registers the listeners and
returns a `SlackRuntime` that serves HTTP (`serve_http`) or Socket Mode.

Core work from Slack runs on one worker thread, one call at a time, so two people (or
one event and its redelivery) never race on the same case. Polling and publishing run
in the scheduler's `tick` job; an approval wakes that job instead of publishing here, so
only one thread ever sends replies.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.adapters.slack._approvers import Approvers
from bot.adapters.slack._bolt_app import EventDeduplicator, build_bolt_app
from bot.adapters.slack._group_cards import GroupCards
from bot.adapters.slack._groups import SqliteGroups
from bot.adapters.slack._http_guard import BodyGuard
from bot.adapters.slack._journal import (
    JOURNAL_ID,
    ActionJournal,
    JournalMiddleware,
    StateChanging,
    journal_path,
    run_journaled,
)
from bot.adapters.slack._listeners import JOURNALED_BUTTONS, REACTIONS, Handlers, register
from bot.adapters.slack._surface import (
    ChannelPacer,
    RetryAfterHandler,
    SlackNotifier,
    SlackPoster,
    SlackSurface,
    web_client,
)
from bot.config import Settings
from bot.core.crisis_groups import CrisisGrouper
from bot.core.ports import Clock
from bot.core.sla import SlaPolicy

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.app import Careops

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MakeApp = Callable[[SlackSurface, SlackNotifier, Approvers], "Careops"]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of events must not be refused at the socket


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)


@dataclass
class SlackRuntime:
    careops: Careops
    bolt: App
    client: WebClient
    poster: SlackPoster
    surface: SlackSurface
    notifier: SlackNotifier
    approvers: Approvers
    dedup: EventDeduplicator
    worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="careops-core")
    )
    # Long paced posting (a group's cases into its thread) runs here, not on the worker.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="careops-slack")
    )
    handlers: Handlers | None = None
    scheduler: BackgroundScheduler | None = None
    journal: ActionJournal | None = None
    _server: WSGIServer | None = None
    _journaled: set[int] = field(default_factory=set)

    def submit(self, func: Callable[..., Any], *args: Any, entry: int | None = None) -> Future[Any]:
        """Run core work on the worker; failures are logged, never lost silently. Work for
        a journaled action (`entry`) is retried on storage faults and then marked done."""
        if entry is not None and self.journal is not None:
            self._journaled.add(entry)
            future = self.worker.submit(
                run_journaled, self.journal, entry, func, args, self._not_done
            )
        else:
            future = self.worker.submit(func, *args)
        future.add_done_callback(_log_failure)
        return future

    def _not_done(self, channel: str, user: str, text: str) -> None:
        self.poster.ephemeral(channel, user, text)

    def replay_journal(self, wait: float = 1.0) -> int:
        """Dispatch actions a crash left undone through bolt again (their listeners, their
        idempotent core calls); an entry no listener takes up is marked done."""
        if self.journal is None:
            return 0
        entries = self.journal.undone()
        for entry in entries:
            log.warning("replaying Slack action %d left undone by the last run", entry.id)
            request = BoltRequest(
                body=entry.body, mode="socket_mode", context={JOURNAL_ID: entry.id}
            )
            self.bolt.dispatch(request)
            deadline = time.monotonic() + wait
            while entry.id not in self._journaled and time.monotonic() < deadline:
                time.sleep(0.01)
            if entry.id not in self._journaled:
                self.journal.done(entry.id, "replayed: nothing to do")
        self.journal.prune()
        return len(entries)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until work submitted so far is done (tests, shutdown), including worker
        steps that background work hands back when it finishes."""
        self.worker.submit(lambda: None).result(timeout)
        self.background.submit(lambda: None).result(timeout)
        self.worker.submit(lambda: None).result(timeout)

    def in_background(self, func: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.background.submit(func, *args)
        future.add_done_callback(_log_failure)
        return future

    def start_jobs(self) -> None:
        from bot.adapters.scheduler import start_jobs

        self.scheduler = start_jobs(self.careops)

    def wake_publisher(self) -> None:
        """Run the tick job now rather than at its next interval."""
        job = self.scheduler.get_job("tick") if self.scheduler else None
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def serve_http(self, host: str = "0.0.0.0", port: int = 3000) -> WSGIServer:
        """Start bolt's endpoint at /slack/events on a thread; returns the server."""
        handler = BodyGuard(
            SlackRequestHandler(self.bolt, path=EVENTS_PATH),
            self.bolt._signing_secret,  # HTTP mode always has one (build_runtime checks)
        )
        server = make_server(
            host, port, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="careops-http",
            daemon=True,
        ).start()
        self._server = server
        return server

    def socket_mode(self, app_token: str) -> Any:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        return SocketModeHandler(self.bolt, app_token)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.surface.groups is not None:
            self.surface.groups.close()
        self.worker.shutdown(wait=True)
        self.background.shutdown(wait=True)
        if self.journal is not None:
            self.journal.close()


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("Slack work failed: %s", exc, exc_info=exc)


def build_runtime(
    settings: Settings,
    make_app: MakeApp,
    *,
    clock: Clock,
    socket_mode: bool = False,
    pacer: ChannelPacer | None = None,
    retry: RetryAfterHandler | None = None,
) -> SlackRuntime:
    token = _secret(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    channel = settings.slack_channel
    if not channel:
        raise ValueError("SLACK_CHANNEL is not set: careops needs a channel for its cards")
    signing = (
        None if socket_mode else _secret(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    )
    client = web_client(token, settings.slack_api_url, retry=retry)
    poster = SlackPoster(client, pacer or ChannelPacer(settings.slack_pace_seconds))
    approvers = Approvers(client, settings.slack_approvers)
    surface = SlackSurface(poster, channel, clock, SlaPolicy())
    notifier = SlackNotifier(poster, channel)
    careops = make_app(surface, notifier, approvers)
    surface.clock, surface.sla = careops.clock, careops.sla  # the app's own clock and targets
    surface.groups = _group_cards(surface, careops, settings.slack_pace_seconds)
    dedup = EventDeduplicator()
    bolt = build_bolt_app(
        client,
        signing_secret=signing,
        dedup=dedup,
        listener_executor=ThreadPoolExecutor(32, thread_name_prefix="careops-bolt"),
    )
    rt = SlackRuntime(careops, bolt, client, poster, surface, notifier, approvers, dedup)
    rt.journal = ActionJournal(journal_path(settings.database))
    changing = StateChanging(frozenset(REACTIONS), frozenset(JOURNALED_BUTTONS))
    bolt.use(
        JournalMiddleware(rt.journal, changing, tell=lambda *a: rt.in_background(rt._not_done, *a))
    )
    _load_extra_commands()
    rt.handlers = register(bolt, rt)
    rt.in_background(surface.groups.catch_up)  # group card updates lost at the last stop
    return rt


def _group_cards(surface: SlackSurface, careops: Careops, interval: float) -> GroupCards:
    repo = SqliteGroups(careops.store)
    grouper = CrisisGrouper(repo, careops.store.get_case, careops.clock, careops.review.crisis)
    return GroupCards(
        surface,
        repo,
        grouper,
        careops.store.get_draft,
        interval=interval,
        required=lambda: careops.review.policy().required,
    )


def _secret(value: Any, name: str) -> str:
    if value is None or not value.get_secret_value():
        raise ValueError(f"{name} is not set")
    return str(value.get_secret_value())


def _load_extra_commands() -> None:
    """`/care` subcommands of other areas register themselves when imported."""
    try:
        importlib.import_module("bot.adapters.slack._ops_commands")
    except ModuleNotFoundError as exc:
        if exc.name != "bot.adapters.slack._ops_commands":
            raise
