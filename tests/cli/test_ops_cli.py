"""`careops oncall who|week`, `careops report`, `careops purge` through the real CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.adapters.sqlite import SqliteStore
from bot.app import file_app
from bot.cli import app
from bot.config import load_settings
from bot.core.clock import FakeClock

EXAMPLE_TOML = """
[sla]            # minutes to first reply, per network
x = 30
bluesky = 120
mastodon = 120

[oncall]
timezone = "Europe/Berlin"
members = ["U01AAA", "U02BBB", "U03CCC"]   # Slack user ids, in order
shift_hours = 8
start = "2026-01-05T08:00:00"               # first shift starts, local time
usergroup = "S0ONCALL"
"""
BERLIN = ZoneInfo("Europe/Berlin")
MEMBERS = ["U01AAA", "U02BBB", "U03CCC"]


def oracle(at: datetime) -> str:
    """8-hour slots of Berlin wall-clock time counted from 2026-01-05 08:00."""
    wall = at.astimezone(BERLIN).replace(tzinfo=None)
    return MEMBERS[((wall - datetime(2026, 1, 5, 8)) // timedelta(hours=8)) % 3]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no careops.toml or .env from the project
    monkeypatch.delenv("CAREOPS_CONFIG", raising=False)
    (tmp_path / "careops.toml").write_text(EXAMPLE_TOML)
    return tmp_path


def cli(home: Path, *args: str, **kwargs: object):
    env = {"CAREOPS_DATA_DIR": str(home / "data")}
    return CliRunner().invoke(
        app, ["--config", str(home / "careops.toml"), *args], env=env, **kwargs
    )


@pytest.mark.parametrize(
    ("at", "member"),
    [
        ("2026-01-05T08:00:00", "U01AAA"),
        ("2026-01-05T16:00:00", "U02BBB"),
        ("2026-01-06T07:59:59", "U03CCC"),
        ("2026-03-29T01:59:00", "U03CCC"),  # night shift on the spring DST day: 7 hours
        ("2026-03-29T08:00:00", "U01AAA"),
        ("2026-10-25T07:30:00", "U03CCC"),  # autumn: 9 hours
        ("2026-10-25T08:00:00", "U01AAA"),
        ("2026-07-01T06:00:00+00:00", oracle(datetime(2026, 7, 1, 6, tzinfo=UTC))),
    ],
)
def test_oncall_who_at_prints_the_member(home: Path, at: str, member: str) -> None:
    result = cli(home, "oncall", "who", "--at", at)
    assert result.exit_code == 0, result.output
    assert result.output == f"{member}\n"
    assert not (home / "data" / "careops.db").exists()  # looking creates no database


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.datetimes(datetime(2025, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
def test_oncall_who_matches_the_rotation_at_any_time(home: Path, at: datetime) -> None:
    result = cli(home, "oncall", "who", "--at", at.isoformat())
    assert result.output == f"{oracle(at)}\n"


def test_a_cover_set_through_slash_care_wins_for_its_span(home: Path) -> None:
    from bot.adapters.slack._ops_commands import cover_command

    clock = FakeClock(datetime(2026, 3, 29, 8, 0, tzinfo=UTC))  # 10:00 Berlin, U01AAA's shift
    config = load_settings(data_dir=home / "data", config_path=home / "careops.toml")
    care = file_app(config, home / "inbox.jsonl", home / "outbox.jsonl", clock=clock)
    reply = cover_command(care, "U01AAA", "<@U09COVER|cora> until 12:30")
    assert reply.text == "<@U09COVER> is on call until Sun 12:30 CEST."
    care.store.close()
    assert cli(home, "oncall", "who", "--at", "2026-03-29T10:00").output == "U09COVER\n"
    assert cli(home, "oncall", "who", "--at", "2026-03-29T12:29").output == "U09COVER\n"
    assert cli(home, "oncall", "who", "--at", "2026-03-29T12:30").output == "U01AAA\n"
    assert cli(home, "oncall", "who", "--at", "2026-03-29T09:59").output == "U01AAA\n"
    week = cli(home, "oncall", "week", "--from", "2026-03-29T09:00").output.splitlines()
    assert week[:3] == [
        "Sun 29 Mar 09:00 – Sun 10:00 CEST  U01AAA",
        "Sun 29 Mar 10:00 – Sun 12:30 CEST  U09COVER  (cover)",
        "Sun 29 Mar 12:30 – Sun 16:00 CEST  U01AAA",
    ]
    assert len(week) == 3 * 7 + 2 + 1  # 21 shifts, the cover splits one, starts mid-shift


def test_oncall_without_rotation_or_bad_time_says_what_to_do(home: Path) -> None:
    (home / "careops.toml").write_text("[sla]\nx = 30\n")
    result = cli(home, "oncall", "who")
    assert result.exit_code == 2 and "no [oncall] section" in result.output
    (home / "careops.toml").write_text(EXAMPLE_TOML)
    result = cli(home, "oncall", "who", "--at", "tomorrow")
    assert result.exit_code == 2 and "not an ISO-8601 time" in result.output


def test_a_mistake_in_careops_toml_stops_the_command_with_its_key(home: Path) -> None:
    (home / "careops.toml").write_text(EXAMPLE_TOML.replace("[oncall]", "[oncall]\nshift = 8"))
    result = cli(home, "oncall", "who")
    assert result.exit_code == 2
    assert "[oncall] shift: unknown key (a typo?)" in " ".join(result.output.split())


@pytest.mark.slow
def test_report_on_the_demo_data_prints_the_figures(home: Path) -> None:
    # the demo keeps its own database; point it at the one the report reads
    demo = cli(home, "demo", "--data-dir", str(home / "data"), input="")
    assert demo.exit_code == 0, demo.output
    md = cli(home, "report", "--since", "30d", "--format", "md")
    assert md.exit_code == 0, md.output
    header = "| scope | mentions | answered | median | p90 | ≤30m | ≤2h | same day | unanswered |"
    assert header in md.output
    lines = md.output.splitlines()
    overall = next(line for line in lines if line.startswith("| **all** |"))
    for network in ("x", "bluesky", "mastodon"):
        assert any(line.startswith(f"| network: {network} |") for line in lines)
    assert any(line.startswith("| person: terminal |") for line in lines)
    # the markdown agrees with the CSV figures computed from the same store
    rows = list(
        csv.DictReader(io.StringIO(cli(home, "report", "--since", "30d", "--format", "csv").output))
    )
    total = rows[0]
    assert total["scope"] == "all" and int(total["mentions"]) >= 40
    assert overall.split(" | ")[1:3] == [total["mentions"], total["answered"]]
    assert 0 < int(total["answered"]) <= int(total["needing_reply"])
    assert float(total["within_30m"]) <= float(total["within_2h"]) <= float(total["within_day"])
    png = cli(home, "report", "--since", "30d", "--format", "png", "--out", str(home / "r.png"))
    assert png.exit_code == 0, png.output
    data = (home / "r.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_report_refuses_bad_arguments(home: Path) -> None:
    assert "unknown format" in cli(home, "report", "--format", "pdf").output
    assert "needs --out" in cli(home, "report", "--format", "png").output
    assert "no database yet" in cli(home, "report").output
    SqliteStore(home / "data" / "careops.db").close()
    assert "not a period" in cli(home, "report", "--since", "lastweek").output


def test_purge_removes_one_authors_cases_only(home: Path) -> None:
    from tests.conftest import make_mention
    from tests.core.test_jobs import add_case

    store = SqliteStore(home / "data" / "careops.db")
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    add_case(store, make_mention("1", author="Maria_G"), now)
    add_case(store, make_mention("2", author="maria_g"), now)
    add_case(store, make_mention("3", author="maria_gx"), now)
    store.close()
    refused = cli(home, "purge", "--author", "@maria_g", input="n\n")
    assert refused.exit_code == 1 and "Delete 2 case(s) of @maria_g" in refused.output
    done = cli(home, "purge", "--author", "@maria_g", "--yes")
    assert done.exit_code == 0 and "purged @maria_g: 2 cases" in done.output
    store = SqliteStore(home / "data" / "careops.db")
    assert [c.id for c in store.cases()] == ["x:3"]
    assert store.audit("x:1") == [] and len(store.audit("x:3")) == 1
    assert store.ops.author_case_ids("MARIA_GX") == ["x:3"]
    store.close()


def test_the_example_config_is_the_documented_rotation(home: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "careops.example.toml"
    (home / "careops.toml").write_text(example.read_text())
    assert cli(home, "oncall", "who", "--at", "2026-01-05T16:30").output == "U02BBB\n"
    config = load_settings(config_path=home / "careops.toml").ops()
    assert config["sla"] == {"x": 30, "bluesky": 120, "mastodon": 120}
    assert config["oncall"]["usergroup"] == "S0ONCALL" and config["retention"]["days"] == 90


def test_report_adds_x_spend_per_day_and_the_month_against_the_budget(home: Path) -> None:
    (home / "careops.toml").write_text(EXAMPLE_TOML + "\n[x]\nmonthly_budget = 1000\n")
    store = SqliteStore(home / "data" / "careops.db")
    store.migrate()
    today = datetime.now(UTC).date()
    store.record_usage("x", "post_url", 300, 60.0, today.isoformat())
    store.record_usage("x", "user_read", 100, 1.0, today.isoformat())
    store.close()
    md = cli(home, "report", "--since", "1d", "--format", "md")
    assert md.exit_code == 0, md.output
    assert "## X spend" in md.output
    assert f"| {today.isoformat()} | 300 | 300 | 0 | 100 | $61.00 | $0.20 |" in md.output
    assert f"{today:%Y-%m} to date: $61.00 of $1,000.00 budget (6%)." in md.output
    csv_text = cli(home, "report", "--since", "1d", "--format", "csv").output
    rows = {(r["scope"], r["name"]): r for r in csv.DictReader(io.StringIO(csv_text))}
    assert rows[("all", "all")]["mentions"] == "0" and rows[("all", "all")]["x_spend_usd"] == ""
    day = rows[("x_day", today.isoformat())]
    assert (day["x_replies"], day["x_with_link"], day["x_users_read"]) == ("300", "300", "100")
    assert (day["x_spend_usd"], day["x_per_reply_usd"]) == ("61.0", "0.203333")  # USD
    assert day["mentions"] == ""  # the response figures' columns stay empty on X rows
    assert float(rows[("x_total", "all")]["x_spend_usd"]) == 61.0
    month = rows[("x_month", f"{today:%Y-%m}")]
    assert (float(month["x_spend_usd"]), float(month["x_monthly_budget_usd"])) == (61.0, 1000.0)
    assert float(month["x_budget_used"]) == 0.061


def test_the_csv_report_has_no_x_rows_without_x_use_or_a_budget(home: Path) -> None:
    SqliteStore(home / "data" / "careops.db").close()
    csv_text = cli(home, "report", "--since", "1d", "--format", "csv").output
    assert "x_" not in csv_text and csv_text.startswith("scope,name,mentions,")


def test_report_counts_wow_moments_gestures_budgets_and_linked_customers(home: Path) -> None:
    from bot.core.cases import note
    from bot.core.models import Network
    from bot.core.people import parse_person
    from bot.core.wow import Gesture, WowKind, WowMoment
    from tests.conftest import make_mention
    from tests.core.test_jobs import add_case

    now = datetime.now(UTC)
    store = SqliteStore(home / "data" / "careops.db")
    for n, kind in ((1, WowKind.MILESTONE), (2, WowKind.MILESTONE), (3, WowKind.LOYAL)):
        case = add_case(store, make_mention(str(n), now=now), now)
        moment = WowMoment(case.id, kind, "why", now - timedelta(hours=n), Network.X, "maria_g")
        store.wow.add_moment(moment, note(case, at=now, actor="system", action="wow"))
        if n < 3:
            gift = Gesture(case.id, "card", "a handwritten card", 3.0, "U01AAA", now, n == 2)
            store.wow.add_gesture(gift, moment, note(case, at=now, actor="U01AAA", action="gift"))
    store.people.link([parse_person("x:maria_g"), parse_person("bluesky:maria.bsky.social")],
                      "U01AAA", now)  # fmt: skip
    store.close()
    md = cli(home, "report", "--since", "7d", "--format", "md")
    assert md.exit_code == 0, md.output
    assert "## Customers and wow moments" in md.output
    assert "- Wow moments: 3 (2 milestone, 1 loyal customer); 2 with a gesture, $6" in md.output
    assert "- Gestures: a handwritten card × 2" in md.output and "- By: U01AAA 2" in md.output
    assert "- Past the monthly budget (an approver's call): 1" in md.output
    assert "- Budget this month, a handwritten card: $6 of $60 (2 made)" in md.output
    assert "- Customers linked across networks: 1 (2 handles); 1 link changes" in md.output
    assert "- Repeat complaints (a complaint within a week of another, raised to high): 0" in (
        md.output
    )
