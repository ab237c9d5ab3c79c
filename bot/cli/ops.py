"""Operations commands: `careops oncall who|week`, `careops report`, `careops purge`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.adapters.clock import SystemClock
from bot.adapters.stores import StoreBackend, open_store
from bot.cli.base import app, fail, settings
from bot.config import Settings
from bot.core.models import normalise_handle
from bot.core.oncall import Override, Roster, Rotation
from bot.core.report_reads import load_report
from bot.core.reports import parse_since, to_csv, to_markdown
from bot.core.sla import SlaPolicy
from bot.core.x_costs import (
    XSpend,
    first_day_needed,
    spend_csv_rows,
    spend_markdown,
    x_rows,
    x_spend,
)

oncall_app = typer.Typer(help="Who is on call (rotation from careops.toml plus /care cover).")
app.add_typer(oncall_app, name="oncall", no_args_is_help=True)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where careops.db lives (env CAREOPS_DATA_DIR).")
]


def _ops(config: Settings) -> dict[str, Any]:
    try:
        return config.ops()
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise fail(f"careops.toml: {exc}") from None


def _rotation(config: Settings) -> Rotation:
    try:
        rotation = Rotation.from_config(_ops(config).get("oncall", {}))
    except (ValueError, KeyError) as exc:
        raise fail(f"[oncall] in careops.toml: {exc}") from None
    if rotation is None:
        raise fail("no [oncall] section in careops.toml (see careops.example.toml)")
    return rotation


def _stored_overrides(config: Settings) -> list[Override]:
    """Overrides from careops.db when it exists; looking never creates a database."""
    if not config.database.exists():
        return []
    store = open_store(config)
    try:
        return store.ops.overrides()
    finally:
        store.close()


def _when(text: str | None, rotation: Rotation) -> datetime:
    """ISO-8601; without an offset it is local time in the rotation's time zone."""
    if text is None:
        return SystemClock().now()
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"not an ISO-8601 time: {text!r} (e.g. 2026-03-29T09:30)") from None
    return at if at.tzinfo else at.replace(tzinfo=rotation.tz)


@oncall_app.command("who")
def oncall_who(
    at: Annotated[
        str | None,
        typer.Option("--at", help="ISO-8601 time; local to the rotation without an offset."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Print the Slack user id on call now (or at --at), overrides included."""
    config = settings(data_dir=data_dir)
    rotation = _rotation(config)
    roster = Roster(rotation, lambda: _stored_overrides(config))
    typer.echo(roster.who_at(_when(at, rotation)))


@oncall_app.command("week")
def oncall_week(
    start: Annotated[
        str | None, typer.Option("--from", help="ISO-8601 start (default: now).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Print the next seven days of shifts in the rotation's local time."""
    config = settings(data_dir=data_dir)
    rotation = _rotation(config)
    begin = _when(start, rotation)
    roster = Roster(rotation, lambda: _stored_overrides(config))
    for shift in roster.shifts(begin, begin + timedelta(days=7)):
        a, b = shift.start.astimezone(rotation.tz), shift.end.astimezone(rotation.tz)
        mark = "  (cover)" if shift.override else ""
        typer.echo(f"{a:%a %d %b %H:%M} – {b:%a %H:%M %Z}  {shift.user}{mark}")


@app.command()
def report(
    since: Annotated[str, typer.Option("--since", help="7d, 24h, 30d or an ISO date.")] = "7d",
    fmt: Annotated[str, typer.Option("--format", help="md, csv or png.")] = "md",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (png needs it).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Response-time report: median/p90 first reply, answered in time, per network/person."""
    if fmt not in ("md", "csv", "png"):
        raise fail(f"unknown format {fmt!r}: use md, csv or png")
    if fmt == "png" and out is None:
        raise fail("--format png needs --out FILE")
    config = settings(data_dir=data_dir)
    now = SystemClock().now()
    try:
        start = parse_since(since, now)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not config.database.exists():
        raise fail(f"{config.database}: no database yet (run `careops demo` or `careops run`)")
    ops = _ops(config)
    sla = SlaPolicy.from_minutes(ops.get("sla", {}))
    store = open_store(config)
    try:
        result = load_report(store.queries, start, now, sla)
        spend = _x_spend(store, start.date(), now.date(), ops)
        customers = _relations(store, config, start, now)
    finally:
        store.close()
    if fmt == "png":
        from bot.adapters.charts import report_png

        assert out is not None
        out.write_bytes(report_png(result))
        typer.echo(f"wrote {out}")
        return
    shows_x = bool(spend.days or spend.monthly_budget)
    if fmt == "md":
        text = to_markdown(result) + ("\n" + spend_markdown(spend) if shows_x else "")
        text += "\n" + customers
    else:
        text = to_csv(result, spend_csv_rows(spend) if shows_x else ())
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


def _relations(store: StoreBackend, config: Settings, since: datetime, now: datetime) -> str:
    """Wow moments, gestures and budgets (prompts/wow.yaml), linked customers."""
    from bot.adapters.drafters import WowFileError, load_wow
    from bot.core.relations_report import relations_figures, relations_markdown

    try:
        book = load_wow(config.prompts)
    except WowFileError as exc:
        raise fail(str(exc)) from None
    figures = relations_figures(store.wow, store.people, since, now)
    return relations_markdown(figures, book)


def _x_spend(store: StoreBackend, since: date, today: date, ops: dict[str, Any]) -> XSpend:
    rows = x_rows(store.usage_since(first_day_needed(since, today).isoformat()))
    budget = ops.get("x", {}).get("monthly_budget")
    return x_spend(rows, since=since, today=today, monthly_budget=budget)


@app.command()
def purge(
    author: Annotated[str, typer.Option("--author", help="The person's handle, e.g. @maria_g.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Delete one person's data on their request: cases, drafts, replies sent, audit rows,
    drafting examples and their index, quarantined posts that name them."""
    config = settings(data_dir=data_dir)
    if not config.database.exists():
        raise fail(f"{config.database}: no database")
    store = open_store(config)
    try:
        found = store.ops.author_case_ids(author)
        if not yes and not typer.confirm(
            f"Delete {len(found)} case(s) of @{normalise_handle(author)} and everything attached?"
        ):
            raise typer.Exit(1)
        refs = [case.review_ref for i in found if (case := store.get_case(i)) and case.review_ref]
        counts = store.ops.purge_author(author)
        counts["slack action journal"] = _forget_actions(config, found + refs)
    except ValueError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    summary = ", ".join(f"{n} {table}" for table, n in counts.items())
    typer.echo(f"{stamp} purged @{normalise_handle(author)}: {summary}")


def _forget_actions(config: Settings, needles: list[str]) -> int:
    """Slack actions on their cases (case ids, cards' time stamps) in the action journal."""
    from bot.adapters.slack import ActionJournal, journal_path

    path = journal_path(config.database)
    if not path.exists() or not needles:
        return 0
    journal = ActionJournal(path)
    try:
        return journal.forget([n.split("/")[-1] for n in needles])
    finally:
        journal.close()
