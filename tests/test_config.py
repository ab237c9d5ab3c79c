"""Settings from the environment: list settings are written as comma-separated text."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import config
from bot.config import Settings, load_settings, plain_ops_file, plain_setting, prompts_path


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


@pytest.mark.parametrize(
    ("environment", "dotenv", "expected"),
    [
        ({}, "", None),
        ({"CAREOPS_PROMPTS_DIR": "from-env"}, "", "from-env"),
        ({}, "CAREOPS_PROMPTS_DIR=from-file\n", "from-file"),
        ({}, "export CAREOPS_PROMPTS_DIR='quoted dir'  # a comment\n", "quoted dir"),
        ({"CAREOPS_PROMPTS_DIR": "from-env"}, "CAREOPS_PROMPTS_DIR=from-file\n", "from-env"),
        ({"CAREOPS_PROMPTS_DIR": ""}, "CAREOPS_PROMPTS_DIR=from-file\n", "from-file"),
        ({"careops_prompts_dir": "lower-case"}, "", "lower-case"),
        ({}, "careops_prompts_dir=lower-in-file\nCAREOPS_PROMPTS_DIR=\n", "lower-in-file"),
        ({}, "careops_prompts_dir=first\nCAREOPS_PROMPTS_DIR=last\n", "last"),
    ],
)
def test_the_plain_reader_agrees_with_settings(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    dotenv: str,
    expected: str | None,
) -> None:
    """`careops lint` reads its one setting without pydantic: same sources, same order."""
    monkeypatch.setitem(Settings.model_config, "env_file", ".env")
    monkeypatch.setattr(config, "ENV_FILE", ".env")
    (tmp_path / ".env").write_text(dotenv)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert plain_setting("CAREOPS_PROMPTS_DIR") == expected
    assert prompts_path() == load_settings().prompts
    if expected is not None:
        assert prompts_path() == Path(expected)
    else:
        assert prompts_path() == config.PACKAGE_DIR.parent / "prompts"


@pytest.mark.parametrize(
    ("environment", "dotenv", "expected"),
    [
        ({}, "", (Path("careops.toml"), False)),
        ({"CAREOPS_CONFIG": "team/ops.toml"}, "", (Path("team/ops.toml"), True)),
        ({}, "CAREOPS_CONFIG=from-file.toml\n", (Path("from-file.toml"), True)),
        ({"CAREOPS_CONFIG": ""}, "", (Path("careops.toml"), False)),
    ],
)
def test_lint_finds_careops_toml_where_settings_does(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    dotenv: str,
    expected: tuple[Path, bool],
) -> None:
    monkeypatch.setitem(Settings.model_config, "env_file", ".env")
    monkeypatch.setattr(config, "ENV_FILE", ".env")
    (tmp_path / ".env").write_text(dotenv)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert plain_ops_file() == expected
    assert (load_settings().config_path or Path("careops.toml")) == expected[0]
