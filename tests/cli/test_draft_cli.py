"""`careops draft` end to end: offline without a key; a local OpenAI-compatible server with one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.fakes import fake_openai as fo

ROOT = Path(__file__).resolve().parents[2]
GOOD = (
    "Hi, thanks for telling us and sorry it's late. Send us a DM with the order number and "
    "I'll chase the depot today."
)
TEXT = "@parcelly my parcel is three days late, where is it?"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no .env or careops.toml from the working tree
    monkeypatch.setenv("CAREOPS_PROMPTS_DIR", str(ROOT / "prompts"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    return monkeypatch


def _run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["draft", "--network", "x", "--text", TEXT, *args])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_without_a_key_the_offline_drafter_answers(env: pytest.MonkeyPatch) -> None:
    data = _run("--json")
    assert set(data) == {"text", "drafter", "topic", "ok", "rules", "note", "triage"}
    assert data["drafter"] == "offline" and data["ok"] is True
    triage = data["triage"]
    assert isinstance(triage, dict) and triage["intent"] == "complaint"
    assert set(triage) >= {"sentiment", "priority", "language", "topic", "risks"}
    assert {r["rule"] for r in data["rules"]} >= {"thanks", "solution", "link"}  # type: ignore[union-attr]


def test_human_output_shows_drafter_and_rules(env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["draft", TEXT])
    assert result.exit_code == 0
    assert "drafter: offline" in result.stdout and "ok  thanks:" in result.stdout
    as_option = CliRunner().invoke(app, ["draft", "--text", TEXT])
    assert as_option.stdout.splitlines()[-4:] == result.stdout.splitlines()[-4:]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no post to answer"),
        (("  ",), "no post to answer"),
        ((TEXT, "--text", TEXT), "give the post once"),
    ],
)
def test_a_missing_or_doubled_post_is_a_usage_error(
    env: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    result = CliRunner().invoke(app, ["draft", *args])
    assert result.exit_code == 2 and message in result.stderr


def _with_server(env: pytest.MonkeyPatch, fake: fo.FakeOpenAI) -> dict[str, object]:
    with fake.serve() as url:
        env.setenv("OPENAI_API_KEY", "sk-test")
        env.setenv("OPENAI_BASE_URL", url)
        return _run("--json")


def test_a_passing_server_answer_is_used(env: pytest.MonkeyPatch) -> None:
    fake = fo.FakeOpenAI(fo.reply(GOOD, link_key="delivery"))
    data = _with_server(env, fake)
    assert data["drafter"] == "openai:gpt-4o-mini"
    assert data["text"] == GOOD + " https://help.parcelly.example/delivery"
    assert data["ok"] is True and data["note"] == ""
    assert fake.requests[0]["model"] == "gpt-4o-mini"


def test_a_refusal_falls_back_labelled(env: pytest.MonkeyPatch) -> None:
    data = _with_server(env, fo.FakeOpenAI(fo.refusal()))
    assert (data["drafter"], data["note"]) == ("offline", "openai refused")


def test_an_unsafe_link_falls_back_labelled(env: pytest.MonkeyPatch) -> None:
    data = _with_server(
        env, fo.FakeOpenAI(fo.reply(GOOD + " http://evil.example", link_key="none"))
    )
    assert (data["drafter"], data["note"]) == ("offline", "unsafe link")
    assert "evil.example" not in str(data["text"])


def test_the_key_never_reaches_the_output(env: pytest.MonkeyPatch) -> None:
    data = _with_server(env, fo.FakeOpenAI(fo.refusal()))
    assert "sk-test" not in json.dumps(data)
