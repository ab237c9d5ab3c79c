"""The real local Bluesky network for the `devnet` tests: installed once, started once.

The session fixture installs the devnet into the cache (tests/devnet/install.py), starts
a throwaway PostgreSQL and the devnet, and stops both by PID at the end of the session,
whatever happened. Where the machine cannot run it (no devnet folder, npm, compiler or
PostgreSQL, or no registry for the install), every devnet test skips with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.devnet.install import DEVNET_SOURCE, Unavailable, ensure_installed
from tests.devnet.services import Devnet, Postgres

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    try:
        installed = ensure_installed()
    except Unavailable as exc:
        pytest.skip(f"Bluesky devnet not available here: {exc}")
    TIMINGS["install (0 = cached)"] = installed.seconds
    started = time.monotonic()
    try:
        postgres = Postgres.start()
    except Unavailable as exc:
        pytest.skip(f"Bluesky devnet not available here: {exc}")
    TIMINGS["postgres start"] = time.monotonic() - started
    try:
        log = tmp_path_factory.mktemp("devnet") / "devnet.log"
        net = Devnet.start(installed, DEVNET_SOURCE, postgres, log)
        TIMINGS["devnet start"] = net.started_in
        try:
            yield net
        finally:
            started = time.monotonic()
            net.stop()
            TIMINGS["devnet stop"] = time.monotonic() - started
    finally:
        postgres.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        figures = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"bluesky devnet: {figures}")
