"""careops.toml is checked when read: mistakes stop start-up with a message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import load_settings
from bot.ops_file import OpsFileError, check_ops

EXAMPLE = Path(__file__).resolve().parents[1] / "careops.example.toml"


def read(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "careops.toml"
    path.write_text(text)
    return load_settings(config_path=path).ops()


def test_the_shipped_example_is_valid_and_read_unchanged(tmp_path: Path) -> None:
    ops = read(tmp_path, EXAMPLE.read_text())
    assert ops["digest"] == {"enabled": True, "hour": 9}
    assert ops["oncall"]["members"] == ["U01AAA", "U02BBB", "U03CCC"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[retension]\ndays = 30\n", "[retension]: unknown table (a typo?)"),
        ("[sla]\ntwitter = 30\n", "[sla] twitter: unknown key (a typo?)"),
        ("[sla]\nx = 0\n", "[sla] x: Input should be greater than 0 (got 0)"),
        ('[oncall]\nshift_hours = "8h"\n', "[oncall] shift_hours:"),
        ('[oncall]\ntimezone = "Europe/Berlyn"\n', "unknown time zone 'Europe/Berlyn'"),
        ("[digest]\nhour = 24\n", "[digest] hour: Input should be less than or equal to 23"),
        ("[retention]\ndays = -1\n", "[retention] days: Input should be greater than or equal"),
        ("[x.prices]\npost_with_ur = 0.2\n", "[x] prices.post_with_ur: unknown key (a typo?)"),
        ("[x.prices]\npost = -0.015\n", "[x] prices.post: Input should be greater than or equal"),
        ('[x]\nmonthly_budget = "300$"\n', "[x] monthly_budget: Input should be a valid number"),
        ('[x]\nlink_policy = "sometimes"\n', "[x] link_policy: Input should be 'always', 'never'"),
        ('[x]\nlink_policy = "budget"\n', "needs daily_budget or monthly_budget"),
        ('[x]\nhelp_in_words = "See parcelly.com/help"\n', "[x] help_in_words: must not carry"),
    ],
)
def test_a_mistake_names_its_table_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(OpsFileError) as caught:
        read(tmp_path, text)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "careops.toml"))


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(OpsFileError) as caught:
        read(tmp_path, "[sla]\nx = -5\n[digest]\nhour = 30\n")
    assert "[sla] x" in str(caught.value) and "[digest] hour" in str(caught.value)


def test_a_toml_local_datetime_start_is_accepted(tmp_path: Path) -> None:
    ops = read(tmp_path, "[oncall]\nmembers = ['U1']\nstart = 2026-01-05T08:00:00\n")
    assert ops["oncall"]["start"].hour == 8


@given(st.integers(min_value=-100, max_value=100))
def test_digest_hour_is_accepted_exactly_within_a_day(hour: int) -> None:
    raw = {"digest": {"hour": hour}}
    if 0 <= hour <= 23:
        assert check_ops(raw) is raw
    else:
        with pytest.raises(OpsFileError):
            check_ops(raw)
