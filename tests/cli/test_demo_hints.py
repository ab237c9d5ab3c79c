"""The demo's closing hints name a command the person can type as it is."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.cli import demo


def fake_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "careops").write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.chdir(tmp_path)
    return bin_dir


def test_outside_path_the_hint_is_the_script_beside_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_venv(tmp_path, monkeypatch)
    monkeypatch.setattr(demo.shutil, "which", lambda name: None)
    assert demo.invoked_as() == ".venv/bin/careops"


def test_on_path_the_hint_is_plain_careops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = fake_venv(tmp_path, monkeypatch)
    monkeypatch.setattr(demo.shutil, "which", lambda name: str(bin_dir / name))
    assert demo.invoked_as() == "careops"
