"""Documentation is checked: every setting is in .env.example, every command in README."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import typer.main

from bot.cli import app
from bot.cli.base import COMMANDS
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_every_setting_is_listed_in_env_example_with_a_comment():
    aliases = {field.alias for field in Settings.model_fields.values() if field.alias}
    assert aliases - env_example_names() == set()
    assert env_example_names() - aliases == set()
    lines = (ROOT / ".env.example").read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            previous = [x for x in lines[:i] if x.strip()][-1]
            assert previous.startswith("#") or re.match(r"^[A-Z_]+=", previous), line


def command_paths(group, prefix: str = "careops") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if getattr(command, "commands", None):  # a group (typer bundles its own click)
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_every_command_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    for modules, _ in COMMANDS.values():  # commands register when their module is imported
        for module in modules:
            importlib.import_module(module)
    commands = command_paths(typer.main.get_command(app))
    assert len(commands) >= 5
    assert [c for c in commands if c not in readme] == []


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:1200]
    assert "make demo" in head and "make test" in head


def test_every_slack_scope_and_event_of_the_manifest_is_in_the_slack_docs():
    from bot.adapters.slack._manifest import manifest

    doc = (ROOT / "docs" / "slack.md").read_text()
    app_manifest = manifest(socket_mode=True)
    scopes = app_manifest["oauth_config"]["scopes"]["bot"]
    events = app_manifest["settings"]["event_subscriptions"]["bot_events"]
    assert len(scopes) >= 5 and len(events) >= 3
    assert [s for s in scopes + events if f"`{s}`" not in doc] == []
