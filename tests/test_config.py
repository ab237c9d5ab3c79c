"""Settings from the environment: list settings are written as comma-separated text."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings


@pytest.fixture(autouse=True)
def no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the project


def test_approvers_and_brand_handles_are_read_from_comma_separated_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_APPROVERS", "U01AAA, S0CARE;U02BBB,")
    monkeypatch.setenv("CAREOPS_BRAND_HANDLES", "acme,acme.bsky.social")
    settings = load_settings()
    assert settings.slack_approvers == ["U01AAA", "S0CARE", "U02BBB"]
    assert settings.brand_handles == ["acme", "acme.bsky.social"]


def test_the_same_settings_in_a_dotenv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(Settings.model_config, "env_file", ".env")  # tests ignore it otherwise
    (tmp_path / ".env").write_text('SLACK_APPROVERS="U01AAA,U02BBB"\n')
    assert load_settings().slack_approvers == ["U01AAA", "U02BBB"]


def test_empty_approvers_is_an_empty_list_and_code_may_pass_a_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_APPROVERS", "")
    assert load_settings().slack_approvers == []
    assert load_settings(slack_approvers=[" U1 ", ""]).slack_approvers == ["U1"]


def test_a_copy_of_env_example_loads_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first thing a team does: `cp .env.example .env`, then fill in tokens."""
    example = Path(__file__).resolve().parents[1] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    monkeypatch.setitem(Settings.model_config, "env_file", ".env")
    settings = load_settings()
    assert settings.brand_handles == [
        "parcelly",
        "parcelly.bsky.social",
        "parcelly@mastodon.social",
    ]
    assert settings.slack_approvers == []
    secrets = {
        name: getattr(settings, name)
        for name, f in Settings.model_fields.items()
        if "SecretStr" in str(f.annotation)
    }
    assert len(secrets) >= 10 and set(secrets.values()) == {None}  # empty is not set
    assert settings.database == Path(".careops/careops.db")
    assert settings.config_path is None and settings.ops() == {}
