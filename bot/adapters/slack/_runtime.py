"""The Slack side of a running careops, built by `build_app` (bot/app.py) in two steps.

`slack_side(settings, options)` makes what the core needs before it exists: the Web API
client, the paced poster, approvers and the notifier; `SlackSide.surface(...)` the review
surface (with crisis group cards). Once the core services exist, `SlackSide.runtime(...)`
makes the bolt App, registers the listeners with those narrow services and returns a
`SlackRuntime` that serves HTTP (`serve_http`) or Socket Mode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import SecretStr
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.adapters.slack._approvers import Approvers
from bot.adapters.slack._bolt_app import EventDeduplicator, build_bolt_app
from bot.adapters.slack._group_cards import GroupCards, GroupStore
from bot.adapters.slack._http_guard import BodyGuard, WsgiApp
from bot.adapters.slack._journal import (
    JOURNAL_ID,
    ActionJournal,
    JournalMiddleware,
    StateChanging,
    journal_path,
)
from bot.adapters.slack._listeners import JOURNALED_BUTTONS, REACTIONS, Handlers, register
from bot.adapters.slack._ops_commands import usergroup_setter
from bot.adapters.slack._poster import ChannelPacer, RetryAfterHandler, SlackPoster, web_client
from bot.adapters.slack._reply import CommandContext
from bot.adapters.slack._surface import SlackNotifier, SlackSurface
from bot.adapters.slack._work import Work
from bot.config import Settings
from bot.core.card import CardNotes
from bot.core.link_policy import XLinkRules
from bot.core.models import Case
from bot.core.ports import CareQueries, Clock
from bot.core.services import Services
from bot.core.sla import SlaPolicy

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class SlackOptions:
    """How to connect: Socket Mode or HTTP; tests pass their own pacer and retry handler."""

    socket_mode: bool = False
    pacer: ChannelPacer | None = None
    retry: RetryAfterHandler | None = None


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of events must not be refused at the socket


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("http: " + format, *args)


@dataclass
class SlackSide:
    """What the core needs from Slack before it is built."""

    settings: Settings
    options: SlackOptions
    client: WebClient
    poster: SlackPoster
    approvers: Approvers
    notifier: SlackNotifier
    signing_secret: str | None
    surface_: SlackSurface | None = None

    @property
    def channel(self) -> str:
        return self.notifier.channel_id

    def set_usergroup(self) -> Callable[[str, str], None]:
        return usergroup_setter(self.client)

    def surface(
        self, clock: Clock, sla: SlaPolicy, groups: GroupStore, queries: CareQueries,
        required: Callable[[], int], costs: XLinkRules | None = None,
        notes: Callable[[Case], CardNotes] | None = None,
    ) -> SlackSurface:  # fmt: skip
        cards = GroupCards(
            self.poster,
            self.channel,
            clock,
            sla,
            groups,
            queries,
            interval=self.settings.slack_pace_seconds,
            required=required,
            costs=costs,
        )
        self.surface_ = SlackSurface(self.poster, self.channel, clock, sla, cards, costs, notes)
        return self.surface_

    def runtime(self, services: Services, wake_publisher: Callable[[], None]) -> SlackRuntime:
        surface = self.surface_
        assert surface is not None and surface.groups is not None, "surface() comes first"
        dedup = EventDeduplicator()
        journal = ActionJournal(journal_path(self.settings.database))
        work = Work(journal, tell=self.poster.ephemeral)
        try:
            bolt = build_bolt_app(
                self.client,
                signing_secret=self.signing_secret,
                dedup=dedup,
                listener_executor=work.listeners,
            )
        except Exception:
            work.close()
            raise
        changing = StateChanging(frozenset(REACTIONS), frozenset(JOURNALED_BUTTONS))

        def tell_later(channel: str, user: str, text: str) -> None:
            work.in_background(self.poster.ephemeral, channel, user, text)

        # every state-changing request is written down before Slack is answered
        bolt.use(JournalMiddleware(journal, changing, tell=tell_later))
        context = CommandContext(services, self.client, self.channel)
        handlers = Handlers(context, work, self.poster, surface.groups, wake_publisher)
        register(bolt, handlers)
        rt = SlackRuntime(
            bolt,
            self.client,
            self.poster,
            surface,
            surface.groups,
            dedup,
            work,
            self.signing_secret,
        )
        rt.in_background(surface.groups.catch_up)  # group card updates lost at the last stop
        return rt


def slack_side(settings: Settings, options: SlackOptions) -> SlackSide:
    token = _secret(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    channel = settings.slack_channel
    if not channel:
        raise ValueError("SLACK_CHANNEL is not set: careops needs a channel for its cards")
    signing = (
        None
        if options.socket_mode
        else _secret(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    )
    client = web_client(token, settings.slack_api_url, retry=options.retry)
    poster = SlackPoster(client, options.pacer or ChannelPacer(settings.slack_pace_seconds))
    approvers = Approvers(client, settings.slack_approvers)
    notifier = SlackNotifier(poster, channel)
    return SlackSide(settings, options, client, poster, approvers, notifier, signing)


@dataclass
class SlackRuntime:
    bolt: App
    client: WebClient
    poster: SlackPoster
    surface: SlackSurface
    cards: GroupCards
    dedup: EventDeduplicator
    work: Work
    signing_secret: str | None = None  # None in Socket Mode
    _server: WSGIServer | None = None

    @property
    def journal(self) -> ActionJournal | None:
        return self.work.journal

    def submit(self, func: Callable[..., T], *args: object) -> Future[T]:
        """Run core work on the worker, as Slack's own work runs."""
        return self.work.submit(func, *args)

    def replay_journal(self, wait: float = 1.0) -> int:
        """Dispatch actions a crash left undone through bolt again (their listeners, their
        idempotent core calls); an entry no listener takes up is marked done."""
        journal = self.work.journal
        if journal is None:
            return 0
        entries = journal.undone()
        for entry in entries:
            log.warning("replaying Slack action %d left undone by the last run", entry.id)
            request = BoltRequest(
                body=entry.body, mode="socket_mode", context={JOURNAL_ID: entry.id}
            )
            self.bolt.dispatch(request)
            deadline = time.monotonic() + wait
            while entry.id not in self.work.journaled and time.monotonic() < deadline:
                time.sleep(0.01)
            if entry.id not in self.work.journaled:
                journal.done(entry.id, "replayed: nothing to do")
        journal.prune()
        return len(entries)

    def in_background(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self.work.in_background(func, *args, **kwargs)

    def drain(self, timeout: float = 10.0) -> None:
        self.work.drain(timeout)

    def serve_http(
        self, host: str = "0.0.0.0", port: int = 3000, routes: Mapping[str, WsgiApp] | None = None
    ) -> WSGIServer:
        """Start bolt's endpoint at /slack/events on a thread, and `routes` (path → WSGI
        app: Meta's webhooks) on the same port; returns the server."""
        assert self.signing_secret is not None, "HTTP mode needs SLACK_SIGNING_SECRET"
        handler = BodyGuard(SlackRequestHandler(self.bolt, path=EVENTS_PATH), self.signing_secret)
        server = make_server(
            host,
            port,
            route_by_path(handler, routes or {}),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="careops-http",
            daemon=True,
        ).start()
        self._server = server
        return server

    def socket_mode(self, app_token: str) -> SocketModeHandler:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        return SocketModeHandler(self.bolt, app_token)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.cards.close()
        self.work.close()


def route_by_path(default: WsgiApp, routes: Mapping[str, WsgiApp]) -> WsgiApp:
    """One WSGI app: each path in `routes` to its app, everything else to `default`."""
    if not routes:
        return default

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return routes.get(str(environ.get("PATH_INFO", "")), default)(environ, start_response)

    return app


def _secret(value: SecretStr | None, name: str) -> str:
    if value is None or not value.get_secret_value():
        raise ValueError(f"{name} is not set")
    return value.get_secret_value()
