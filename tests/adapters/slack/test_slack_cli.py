"""`careops manifest` and `careops run` argument handling (serving is covered end to end)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def test_manifest_prints_yaml_with_the_events_url() -> None:
    result = runner.invoke(app, ["manifest", "--url", "https://care.example.com/"])
    assert result.exit_code == 0
    data = yaml.safe_load(result.stdout)
    assert data["settings"]["event_subscriptions"]["request_url"] == (
        "https://care.example.com/slack/events"
    )
    assert data["features"]["slash_commands"][0]["command"] == "/care"
    assert data["settings"]["socket_mode_enabled"] is False


def test_manifest_without_url_is_for_socket_mode() -> None:
    data = yaml.safe_load(runner.invoke(app, ["manifest"]).stdout)
    assert data["settings"]["socket_mode_enabled"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run"], "choose one of --socket"),
        (["run", "--socket", "--http"], "choose one of --socket"),
        (["run", "--http", "--source", "file:in.jsonl"], "--source and --publisher go together"),
        (["run", "--http"], "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_run_refuses_unclear_or_incomplete_setups(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no .env from the checkout
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_CHANNEL", "C0CARE")
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
