"""Fixtures shared by every test folder: a fake clock, an in-memory store, help links."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings

from bot import config
from bot.adapters.sqlite import SqliteStore
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.models import Mention, Network
from bot.core.rules import LinkBook
from tests.pg_server import PostgresServer, Unavailable

# CI (.ci/run) runs every property test on a fixed seed and with no example database, so
# a landing is judged on the same examples each time; a developer's runs keep exploring.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

HELP = "https://help.parcelly.example/"
LINKS = {
    "general": HELP,
    "delivery": HELP + "delivery",
    "order": HELP + "order",
    "refund": HELP + "refund",
    "billing": HELP + "billing",
    "account": HELP + "account",
    "app": HELP + "app",
    "outage": "https://status.parcelly.example/",
    "privacy": HELP + "privacy",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The real-network suite (tests/devnet) runs only when asked for by its marker,
    `pytest -m devnet` (as .ci/run does after `make test`): any other run leaves it out."""
    if "devnet" in (config.option.markexpr or ""):
        return
    devnet = [item for item in items if item.get_closest_marker("devnet")]
    if devnet:
        config.hook.pytest_deselected(items=devnet)
        items[:] = [item for item in items if not item.get_closest_marker("devnet")]


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's .env or exported tokens must never reach a test (or a real service)."""
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    monkeypatch.setattr(config, "ENV_FILE", None)  # what plain_setting reads
    for field in Settings.model_fields.values():
        if field.alias:
            monkeypatch.delenv(field.alias, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    db = SqliteStore(":memory:")
    yield db
    db.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL for this test session (tests/pg_server.py); skips where there is
    none. Started on first use only: the SQLite tests never wait for it."""
    server = PostgresServer()
    try:
        server.start()
        server.make_template(_migrate_template)
    except Unavailable as exc:
        server.stop()
        pytest.skip(f"needs PostgreSQL: {exc}")
    try:
        yield server
    finally:
        server.stop()


def _migrate_template(url: str) -> None:
    from bot.adapters.postgres import PostgresStore

    PostgresStore(url).close()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """A fresh, migrated PostgreSQL database for one test."""
    return pg_server.fresh_database()


@pytest.fixture
def links() -> LinkBook:
    return LinkBook(LINKS)


def make_mention(
    external_id: str = "1001",
    text: str = "My parcel is three days late and nobody answers. Order 5521.",
    *,
    network: Network = Network.X,
    author: str = "maria_g",
    minutes_ago: float = 5,
    now: datetime = datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
    **extra: object,
) -> Mention:
    return Mention(
        network=network,
        external_id=external_id,
        author_handle=author,
        author_name=str(extra.pop("author_name", "Maria Garcia")),
        text=text,
        created_at=now - timedelta(minutes=minutes_ago),
        url=f"https://x.com/{author}/status/{external_id}",
        **extra,  # type: ignore[arg-type]
    )
