"""`careops check` for Threads, the Facebook Page and Instagram, against local fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.fakes.fake_graph import IG_ID, PAGE_ID, FakeGraph
from tests.fakes.fake_threads import BRAND_ID, FakeThreads


@pytest.fixture
def servers() -> Iterator[tuple[FakeThreads, FakeGraph]]:
    with FakeThreads() as threads, FakeGraph() as graph:
        yield threads, graph


def env(tmp_path: Path, threads: FakeThreads, graph: FakeGraph, **more: str) -> dict[str, str]:
    return {
        "CAREOPS_DATA_DIR": str(tmp_path),
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "THREADS_USER_ID": BRAND_ID,
        "THREADS_ACCESS_TOKEN": "threads-secret-token",
        "THREADS_API_BASE_URL": threads.url,
        "FACEBOOK_PAGE_ID": PAGE_ID,
        "INSTAGRAM_ACCOUNT_ID": IG_ID,
        "META_PAGE_ACCESS_TOKEN": "page-secret-token",
        "GRAPH_API_BASE_URL": graph.url,
        **more,
    }


def rows(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[0] in ("threads", "facebook", "instagram"):
            found[parts[0]] = f"{parts[1]} {parts[2]}"
    return found


def test_each_meta_account_is_checked_and_says_how_comments_arrive(
    tmp_path: Path, servers: tuple[FakeThreads, FakeGraph], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    threads, graph = servers
    threads.state.reply_quota_usage = 12
    result = CliRunner().invoke(app, ["check"], env=env(tmp_path, threads, graph))
    found = rows(result.output)
    assert found["threads"] == "ok @parcelly: 12 of 1000 replies used in 24 h"
    assert found["facebook"].startswith(f"ok Page Parcelly ({PAGE_ID}); polling")
    assert found["instagram"].startswith(f"ok @parcelly ({IG_ID}); polling")
    assert result.exit_code == 0
    hooks = env(tmp_path, threads, graph, META_APP_SECRET="s3cret", META_VERIFY_TOKEN="v")
    with_hooks = rows(CliRunner().invoke(app, ["check"], env=hooks).output)
    assert "webhooks at /meta/webhooks" in with_hooks["facebook"]


def test_refused_tokens_are_wrong_and_never_printed(
    tmp_path: Path, servers: tuple[FakeThreads, FakeGraph], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    threads, graph = servers
    threads.state.server.token = graph.state.server.token = "the-right-token"
    result = CliRunner().invoke(app, ["check"], env=env(tmp_path, threads, graph))
    found = rows(result.output)
    assert {k: v.split()[0] for k, v in found.items()} == dict.fromkeys(
        ("threads", "facebook", "instagram"), "wrong"
    )
    assert "access token" in found["facebook"]
    assert "secret-token" not in result.output and result.exit_code == 1


def test_unconfigured_meta_networks_are_missing_with_the_settings_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check"], env={"CAREOPS_DATA_DIR": str(tmp_path)})
    found = rows(result.output)
    assert found["threads"] == "missing set THREADS_USER_ID and THREADS_ACCESS_TOKEN to use it"
    assert found["instagram"].startswith("missing set INSTAGRAM_ACCOUNT_ID and META_PAGE")
