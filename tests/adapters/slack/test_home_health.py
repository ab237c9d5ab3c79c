"""App Home tells the team when intake is degraded and what the APIs cost today."""

from __future__ import annotations

import json
from pathlib import Path

from bot.adapters.slack._home import home_view
from bot.app import file_app
from bot.config import load_settings
from bot.core.ports import SourceBatch


class RateLimited:
    name = "x"

    def poll(self, cursor):
        return SourceBatch(notices=["x: rate limited until 12:15 UTC <!channel>"])


def test_home_shows_degraded_intake_and_todays_spend(tmp_path: Path, clock) -> None:
    care = file_app(
        load_settings(data_dir=tmp_path), tmp_path / "in.jsonl", tmp_path / "out.jsonl", clock=clock
    )
    care.startup()
    text = json.dumps(home_view(care.services))
    assert "Every source answered" in text and "Spent today" not in text
    care.sources.append(RateLimited())
    care.tick()
    care.store.record_usage("x", "read", 40, 0.2, day=clock.now().date().isoformat())
    text = json.dumps(home_view(care.services))
    assert "x: rate limited until 12:15 UTC &lt;!channel&gt;" in text
    assert "x read: 40, $0.20" in text and "Spent today: $0.20" in text
    assert "to date" not in text  # no X budget set


def test_home_shows_the_months_x_spend_against_its_budget(tmp_path: Path, clock) -> None:
    (tmp_path / "careops.toml").write_text("[x]\nmonthly_budget = 300\n")
    settings = load_settings(data_dir=tmp_path, config_path=tmp_path / "careops.toml")
    care = file_app(settings, tmp_path / "in.jsonl", tmp_path / "out.jsonl", clock=clock)
    care.startup()
    care.store.record_usage("x", "post_url", 300, 60.0, day="2026-11-24")
    care.store.record_usage("x", "post", 10, 0.15, day=clock.now().date().isoformat())
    text = json.dumps(home_view(care.services))
    assert "2026-11 to date: $60.15 of $300.00 budget (20%)" in text
