"""`careops manifest` and `careops run` argument handling (serving is covered end to end)."""

from __future__ import annotations

import socket

import pytest
import yaml
from typer.testing import CliRunner, Result

from bot.cli import app
from tests.fakes.fake_slack import FakeSlackApi

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
    # what Meta needs comes as comments: the manifest stays the same YAML for Slack
    assert "callback URL: https://care.example.com/meta/webhooks" in result.stdout
    assert "{" not in result.stdout.split("# Meta webhooks")[1].replace("{page-id}", "")


def test_manifest_without_url_is_for_socket_mode() -> None:
    result = runner.invoke(app, ["manifest"])
    data = yaml.safe_load(result.stdout)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "meta/webhooks" not in result.stdout  # no public URL: Meta's comments are polled


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


def _run_http(monkeypatch: pytest.MonkeyPatch, tmp_path: object, api_url: str) -> Result:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-startup-token-42",
        "SLACK_SIGNING_SECRET": "0123456789abcdef",
        "SLACK_CHANNEL": "C0CARE",
        "SLACK_API_URL": api_url,
    }.items():
        monkeypatch.setenv(name, value)
    return runner.invoke(app, ["run", "--http", "--port", "0", "--data-dir", str(tmp_path)])


def test_a_refused_token_stops_start_up_with_a_plain_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    with FakeSlackApi() as api:
        api.fail_next("auth.test", status=200, error="invalid_auth")
        result = _run_http(monkeypatch, tmp_path, api.url)
    assert result.exit_code == 2
    assert "error: Slack did not accept SLACK_BOT_TOKEN" in result.output
    assert "invalid_auth" in result.output and "xoxb-startup-token-42" not in result.output
    assert "will be unused" not in result.output  # bolt's notice about the exported token
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unreachable_slack_stops_start_up_with_a_plain_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"  # bound, never listening
        result = _run_http(monkeypatch, tmp_path, url)
    assert result.exit_code == 2
    assert f"error: cannot reach Slack at {url}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
