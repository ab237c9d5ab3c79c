"""`careops check` against local fake Bluesky and Mastodon servers; secrets never printed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.fakes.fake_bluesky import BRAND_HANDLE, FakeBluesky
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_slack import FakeSlackApi


@pytest.fixture
def servers() -> Iterator[tuple[FakeBluesky, FakeMastodon]]:
    with FakeBluesky() as bsky, FakeMastodon() as masto:
        yield bsky, masto


def env(tmp_path: Path, bsky: FakeBluesky, masto: FakeMastodon, password: str) -> dict[str, str]:
    return {
        "CAREOPS_DATA_DIR": str(tmp_path),
        "BLUESKY_HANDLE": BRAND_HANDLE,
        "BLUESKY_APP_PASSWORD": password,
        "BLUESKY_SERVICE_URL": bsky.url,
        "MASTODON_BASE_URL": masto.url,
        "MASTODON_ACCESS_TOKEN": "tok-secret-123",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }


def test_configured_networks_are_ok_and_the_rest_missing(
    tmp_path: Path, servers: tuple[FakeBluesky, FakeMastodon], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the project
    bsky, masto = servers
    result = CliRunner().invoke(app, ["check"], env=env(tmp_path, bsky, masto, "app-password"))
    services = ("slack", "x", "bluesky", "mastodon")
    rows = [line.split() for line in result.output.splitlines()]
    lines = {row[0]: row[1] for row in rows if row and row[0] in services}
    assert lines == {"slack": "missing", "x": "missing", "bluesky": "ok", "mastodon": "ok"}
    assert "@parcelly on" in result.output
    assert result.exit_code == 0
    again = CliRunner().invoke(app, ["check"], env=env(tmp_path, bsky, masto, "app-password"))
    assert again.exit_code == 0 and bsky.state.sessions_created == 1  # the session was kept


def test_a_wrong_password_fails_without_printing_it(
    tmp_path: Path, servers: tuple[FakeBluesky, FakeMastodon], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bsky, masto = servers
    result = CliRunner().invoke(app, ["check"], env=env(tmp_path, bsky, masto, "hunter2-wrong"))
    assert result.exit_code == 1
    assert ["bluesky", "wrong"] in [line.split()[:2] for line in result.output.splitlines()]
    table = [
        line
        for line in result.output.splitlines()
        if line.split()[:1] in (["slack"], ["x"], ["bluesky"], ["mastodon"])
    ]
    assert len(table) == 4
    assert not any("hunter2-wrong" in line or "tok-secret-123" in line for line in table)


def row(output: str, service: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.startswith(service + " "))


def test_careops_toml_is_summarised_or_its_mistake_shown(
    tmp_path: Path, servers: tuple[FakeBluesky, FakeMastodon], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bsky, masto = servers
    settings = env(tmp_path, bsky, masto, "app-password")
    absent = CliRunner().invoke(app, ["check"], env=settings)
    assert row(absent.stdout, "careops.toml")[:2] == ["careops.toml", "missing"]
    (tmp_path / "careops.toml").write_text("[sla]\nx = 15\n[digest]\nhour = 7\n")
    good = CliRunner().invoke(app, ["check"], env=settings)
    assert good.exit_code == 0
    targets = "x 15m, bluesky 120m, mastodon 120m, threads 120m, facebook 120m, instagram 120m"
    assert f"{targets}; digest 07:00; no X budget" in good.output
    retired = CliRunner().invoke(app, ["check"], env={**settings, "X_PRICE_POST": "0.01"})
    assert "X_PRICE_POST is no longer read: X's prices are set in careops.toml [x.prices]" in (
        " ".join(retired.output.split())
    )
    (tmp_path / "careops.toml").write_text("[digest]\nhour = 25\n")
    bad = CliRunner().invoke(app, ["check"], env=settings)
    assert bad.exit_code == 1
    assert row(bad.stdout, "careops.toml")[:2] == ["careops.toml", "wrong"]
    assert "[digest] hour: Input should be less than or equal to 23" in bad.output


@pytest.mark.parametrize(
    ("approvers", "shown"),
    [("", "no SLACK_APPROVERS: anyone in the channel may approve"), ("U1,S2", "approvers U1, S2")],
)
def test_slack_row_says_who_may_approve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, approvers: str, shown: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with FakeSlackApi() as slack:
        settings = {
            "CAREOPS_DATA_DIR": str(tmp_path),
            "SLACK_BOT_TOKEN": "xoxb-test-token-1234",
            "SLACK_API_URL": slack.url,
            "SLACK_APPROVERS": approvers,
        }
        result = CliRunner().invoke(app, ["check"], env=settings)
    assert row(result.stdout, "slack")[:2] == ["slack", "ok"], result.output
    assert f"team Care, bot user careops; {shown}" in result.stdout
    assert "xoxb-test-token-1234" not in result.output


def test_check_reads_the_prompt_files_and_names_a_wrong_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from bot.config import PACKAGE_DIR

    monkeypatch.chdir(tmp_path)
    prompts = tmp_path / "prompts"
    shutil.copytree(PACKAGE_DIR.parent / "prompts", prompts)
    environment = {"CAREOPS_DATA_DIR": str(tmp_path), "CAREOPS_PROMPTS_DIR": str(prompts)}
    good = CliRunner().invoke(app, ["check"], env=environment)
    line = next(row for row in good.output.splitlines() if row.startswith("prompts"))
    assert " ok " in line and "a handwritten card" in line and "light tone for praise, wow" in line
    (prompts / "brand.md").write_text("{# light tone: praise, complaint #}\\nBe kind.\\n")
    wrong = CliRunner().invoke(app, ["check"], env=environment)
    line = next(row for row in wrong.output.splitlines() if row.startswith("prompts"))
    assert " wrong " in line and "praise and wow moments only" in line and wrong.exit_code == 1
