"""`careops run` (the Slack loop) and `careops manifest` (the Slack app manifest)."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.error import URLError

import typer
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import EVENTS_PATH, SlackOptions, SlackRuntime, manifest_yaml
from bot.adapters.sqlite import AlreadyRunning, RunLock, startup_problem
from bot.app import build_app, file_app
from bot.careops import Careops
from bot.cli.base import app, fail, settings
from bot.config import Settings
from bot.logging_setup import configure_logging


@app.command()
def run(
    socket: Annotated[
        bool, typer.Option("--socket", help="Socket Mode (needs SLACK_APP_TOKEN): no public URL.")
    ] = False,
    http: Annotated[
        bool, typer.Option("--http", help=f"Serve Slack's requests at {EVENTS_PATH}.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="HTTP port.")] = 3000,
    host: Annotated[str, typer.Option("--host", help="HTTP address to listen on.")] = "0.0.0.0",
    source: Annotated[
        str | None, typer.Option("--source", help="file:PATH — take mentions from a JSONL inbox.")
    ] = None,
    publisher: Annotated[
        str | None, typer.Option("--publisher", help="file:PATH — write replies to a JSONL outbox.")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where careops.db lives. Env: CAREOPS_DATA_DIR."),
    ] = None,
) -> None:
    """Run careops in Slack: cards in SLACK_CHANNEL, reactions, buttons, /care, App Home."""
    if socket == http:
        raise fail("choose one of --socket (Socket Mode) or --http (public URL)")
    config = settings(data_dir=data_dir)
    configure_logging(config)
    files = _file_paths(source, publisher)
    if socket and config.slack_app_token is None:
        raise fail("SLACK_APP_TOKEN is not set (Socket Mode needs an app-level token)")
    with _only_run(config):
        try:
            care = _build(config, files, SlackOptions(socket_mode=socket))
            care.startup()
        except ValueError as exc:
            raise fail(str(exc)) from None
        except sqlite3.DatabaseError as exc:  # found past the check: a damaged page, a full disk
            raise fail(f"{config.database}: {exc}; `careops db check` tells more") from None
        assert care.slack is not None
        care.start_jobs()
        care.slack.replay_journal()  # Slack actions acknowledged, not done when the last run ended
        try:
            _serve(care.slack, config, socket=socket, host=host, port=port, routes=care.http_routes)
        finally:
            care.close()


def _storage_ready(database: Path, pause: float = 1.0) -> None:
    """Refuse to start on a database careops cannot open or that is damaged (one line:
    the file and what to do); wait, saying so once, while it is read-only or the disk full."""
    said = ""
    while (problem := startup_problem(database)) is not None:
        if not problem.transient:
            raise fail(problem.line)
        if problem.line != said:
            typer.echo(f"careops: {problem.line}", err=True)
            said = problem.line
        time.sleep(pause)
    if said:
        typer.echo(f"careops: {database} is usable again: starting", err=True)


@contextlib.contextmanager
def _only_run(config: Settings) -> Iterator[None]:
    """SQLite: hold the database's run lock for the life of this run
    (bot/adapters/sqlite/_run_lock.py). PostgreSQL: several runs share the database and
    the leader lease replaces the lock; wait for the server while it is away."""
    if config.database_url is not None:
        _postgres_ready(config)
        yield
        return
    _storage_ready(config.database)
    try:
        lock = RunLock(config.database)
        lock.acquire()
    except AlreadyRunning as exc:
        raise fail(str(exc)) from None
    try:
        yield
    finally:
        lock.release()


def _postgres_ready(config: Settings) -> None:
    """Wrong settings: one line, exit 2. Server away: a log line per try until it answers."""
    from bot.adapters.postgres import DatabaseSettingsError, check_url, wait_for_server

    assert config.database_url is not None
    try:
        wait_for_server(check_url(config.database_url.get_secret_value()))
    except DatabaseSettingsError as exc:
        raise fail(str(exc)) from None


@app.command(name="manifest")
def manifest_command(
    url: Annotated[
        str | None,
        typer.Option("--url", help="Public base URL for HTTP mode, e.g. https://care.example.com"),
    ] = None,
    socket: Annotated[bool, typer.Option("--socket", help="Manifest for Socket Mode.")] = False,
) -> None:
    """Print the Slack app manifest (YAML) to create the careops app.

    With --url, also the Meta webhook callback for Facebook and Instagram comments (as
    YAML comments)."""
    request_url = url.rstrip("/") + EVENTS_PATH if url else None
    typer.echo(manifest_yaml(url=request_url, socket_mode=socket or not url), nl=False)
    if url and not socket:
        from bot.adapters.meta import WEBHOOK_PATH  # only here: the CLI starts fast

        typer.echo(META_WEBHOOKS_NOTE.format(callback=url.rstrip("/") + WEBHOOK_PATH), nl=False)


META_WEBHOOKS_NOTE = """\
# Meta webhooks (comments on the Facebook Page and Instagram, docs/networks.md): with
# META_APP_SECRET and META_VERIFY_TOKEN set, careops run --http also serves
#   callback URL: {callback}
#   verify token: the value of META_VERIFY_TOKEN
# In the Meta app's Webhooks product subscribe Page -> feed and Instagram -> comments,
# then POST /{{page-id}}/subscribed_apps?subscribed_fields=feed with the Page token.
"""


def _file_paths(source: str | None, publisher: str | None) -> tuple[Path, Path] | None:
    if source is None and publisher is None:
        return None
    if not (source and publisher and source.startswith("file:") and publisher.startswith("file:")):
        raise fail("--source and --publisher go together, as file:PATH (networks use settings)")
    return Path(source.removeprefix("file:")), Path(publisher.removeprefix("file:"))


def _build(config: Settings, files: tuple[Path, Path] | None, slack: SlackOptions) -> Careops:
    if files is not None:
        return file_app(config, files[0], files[1], slack=slack)
    return build_app(config, slack=slack)


def _serve(
    rt: SlackRuntime,
    config: Settings,
    *,
    socket: bool,
    host: str,
    port: int,
    routes: dict[str, Any] | None = None,
) -> None:
    """Serve Slack (and Meta's webhooks) until SIGTERM or Ctrl-C; the caller then closes
    the runtime."""
    stop = _stop_on_sigterm()
    if socket:
        _serve_socket_mode(rt, config, stop)
        return
    server = rt.serve_http(host, port, routes)
    where = f"http://{host}:{server.server_address[1]}"
    typer.echo(f"careops: listening on {where}{EVENTS_PATH}")
    for path in routes or {}:
        typer.echo(f"careops: Meta webhooks on {where}{path}")
    _wait(stop)


def _serve_socket_mode(rt: SlackRuntime, config: Settings, stop: threading.Event) -> None:
    """Connect (apps.connections.open, then the websocket) without bolt's blocking
    `start()`, which ignores SIGTERM: the process would die without closing anything."""
    token = config.slack_app_token
    assert token is not None  # checked before start-up
    handler = rt.socket_mode(token.get_secret_value())
    try:
        try:
            connect: Callable[[], None] = handler.connect  # slack_bolt leaves it untyped
            connect()
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else exc
            raise fail(f"Slack did not accept SLACK_APP_TOKEN ({error})") from None
        except (URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise fail(f"cannot reach Slack at {config.slack_api_url} ({reason})") from None
        typer.echo(f"careops: Socket Mode, cards in {config.slack_channel}")
        _wait(stop)
    finally:
        close: Callable[[], None] = handler.close
        close()


def _stop_on_sigterm() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


def _wait(stop: threading.Event) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
