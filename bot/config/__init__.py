"""Settings: the only package that reads the environment (and `.env`).

`Settings` (`_settings.py`, pydantic-settings) is what every command that connects to
something reads. The few commands people type often and that need one or two plain
values (`careops lint` needs the prompts folder and where careops.toml is) read them
here with `plain_setting`, from the same places in the same order, without loading
pydantic: that alone would double their start-up. `Settings` is imported on first use.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config._settings import Settings, load_settings

__all__ = [
    "ENV_FILE",
    "PACKAGE_DIR",
    "Settings",
    "load_settings",
    "plain_ops_file",
    "plain_setting",
    "prompts_folder",
    "prompts_path",
]

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # bot/
ENV_FILE: str | None = ".env"  # relative to the working directory; tests set None


def plain_setting(name: str) -> str | None:
    """One setting as text, read as Settings reads it: the environment first, then
    ENV_FILE; names in any case; an empty value means not set."""
    wanted = name.lower()
    for source in (os.environ, _dotenv()):
        found = [value for key, value in source.items() if key.lower() == wanted and value]
        if found:
            return found[-1]  # as pydantic-settings: the last of names that differ in case
    return None


def _dotenv() -> dict[str, str | None]:
    if ENV_FILE is None or not Path(ENV_FILE).is_file():
        return {}
    from dotenv import dotenv_values  # the parser pydantic-settings uses

    return dotenv_values(ENV_FILE, encoding=None)


def prompts_path() -> Path:
    """The prompt files, without building Settings (`careops lint`)."""
    value = plain_setting("CAREOPS_PROMPTS_DIR")
    return prompts_folder(Path(value) if value else None)


def prompts_folder(configured: Path | None) -> Path:
    """CAREOPS_PROMPTS_DIR when set, else ./prompts when it holds a links.yaml, else the
    prompt files shipped with careops."""
    if configured:
        return configured
    local = Path("prompts")
    if (local / "links.yaml").exists():
        return local
    return PACKAGE_DIR.parent / "prompts"


def plain_ops_file() -> tuple[Path, bool]:
    """careops.toml where Settings.ops() looks for it (CAREOPS_CONFIG, else ./careops.toml),
    and whether it was named: a named file must exist, ./careops.toml may not."""
    value = plain_setting("CAREOPS_CONFIG")
    return (Path(value), True) if value else (Path("careops.toml"), False)


def __getattr__(name: str) -> Any:
    if name in ("Settings", "load_settings"):
        return getattr(import_module("bot.config._settings"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
