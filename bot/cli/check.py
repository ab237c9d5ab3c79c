"""`careops check`: is every configured account reachable with the credentials given?

One line per service (the database first): ok, missing (not configured: that is fine) or
wrong (configured but refused or unreachable). Exit code 1 when anything configured is
wrong. Secrets are never printed; error texts are cut short and scrubbed of every
configured secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import typer
from pydantic import SecretStr

from bot.cli.base import app, settings
from bot.cli.check_meta import check_facebook, check_instagram, check_threads
from bot.config import Settings
from bot.core.sla import SlaPolicy


@dataclass(frozen=True)
class Probe:
    service: str
    status: str  # "ok" | "missing" | "wrong"
    detail: str


def _secrets(s: Settings) -> list[str]:
    values = [getattr(s, name) for name in type(s).model_fields]
    return [
        v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()
    ]


def _scrub(text: str, s: Settings) -> str:
    for secret in _secrets(s):
        text = text.replace(secret, "***")
    return text[:160]


def check_slack(s: Settings) -> str:
    from slack_sdk import WebClient

    if s.slack_bot_token is None:
        raise LookupError("SLACK_BOT_TOKEN")
    client = WebClient(token=s.slack_bot_token.get_secret_value(), base_url=s.slack_api_url)
    answer = client.auth_test()
    who = (
        f"approvers {', '.join(s.slack_approvers)}"
        if s.slack_approvers
        else "no SLACK_APPROVERS: anyone in the channel may approve"
    )
    return f"team {answer.get('team')}, bot user {answer.get('user')}; {who}"


def check_x(s: Settings) -> str:
    from bot.adapters.networks import _secret, _x_user_keys, x_configured
    from bot.adapters.x import x_client

    if not x_configured(s):
        raise LookupError("X_USER_ID and X_BEARER_TOKEN (or the four user keys)")
    client = x_client(
        _secret(s.x_bearer_token),
        _secret(s.x_api_key),
        _secret(s.x_api_secret),
        _secret(s.x_access_token),
        _secret(s.x_access_token_secret),
        base_url=s.x_api_base_url,
    )
    if _x_user_keys(s):
        me = client.get_me(user_auth=True).json()["data"]
        if str(me["id"]) != s.x_user_id:
            raise ValueError(f"keys belong to @{me['username']} ({me['id']}), not X_USER_ID")
        return f"@{me['username']} (can read and reply)"
    user = client.get_user(id=s.x_user_id).json()["data"]
    return f"@{user['username']} (bearer token only: intake works, replies need the user keys)"


def check_bluesky(s: Settings) -> str:
    from atproto import Client

    from bot.adapters.bluesky import BlueskySession
    from bot.adapters.networks import bluesky_configured
    from bot.adapters.stores import open_store

    if not bluesky_configured(s) or s.bluesky_app_password is None:
        raise LookupError("BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
    store = open_store(s)  # reuses a stored session: logins are rate limited
    try:
        client = Client(base_url=s.bluesky_service_url)
        session = BlueskySession(
            client, str(s.bluesky_handle), s.bluesky_app_password.get_secret_value(), store
        )
        return f"{s.bluesky_handle} ({session.did}) on {s.bluesky_service_url}"
    finally:
        store.close()


def check_mastodon(s: Settings) -> str:
    from bot.adapters.mastodon import mastodon_client
    from bot.adapters.networks import mastodon_configured

    if not mastodon_configured(s) or s.mastodon_access_token is None:
        raise LookupError("MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN")
    api = mastodon_client(str(s.mastodon_base_url), s.mastodon_access_token.get_secret_value())
    me = api.account_verify_credentials()
    return f"@{me['acct']} on {s.mastodon_base_url}"


def check_operating_file(s: Settings) -> str:
    """careops.toml is optional: say what it sets, or which mistake stops careops."""
    ops = s.ops()
    if not ops and not s.retired():
        raise LookupError("CAREOPS_CONFIG or ./careops.toml (see careops.example.toml)")
    targets = SlaPolicy.from_minutes(ops.get("sla", {})).targets
    parts = [", ".join(f"{n.value} {t.total_seconds() / 60:g}m" for n, t in targets.items())]
    if oncall := ops.get("oncall"):
        parts.append(f"{len(oncall.get('members', []))} on call ({oncall.get('timezone', 'UTC')})")
    digest = ops.get("digest", {})
    parts.append(
        f"digest {digest.get('hour', 9):02d}:00" if digest.get("enabled", True) else "no digest"
    )
    budget = ops.get("x", {}).get("monthly_budget")
    parts.append(f"X budget ${budget:,.2f}/month" if budget else "no X budget")
    return "; ".join([*parts, *s.retired()])


def check_database(s: Settings) -> str:
    """SQLite: where the file is. PostgreSQL: reachable, migrated, and who leads."""
    if s.database_url is None:
        return f"SQLite {s.database} (one careops run at a time)"
    from bot.adapters.postgres import PostgresStore, display, leader_line
    from bot.adapters.sqlite import MIGRATIONS

    store = PostgresStore(s.database_url.get_secret_value(), auto_migrate=False)
    try:
        ready = store.db.table_exists("migrations")
        done = (
            {r["version"] for r in store.db.query("SELECT version FROM migrations")}
            if ready
            else set()
        )
        todo = sorted(m.version for m in MIGRATIONS if m.version not in done)
        if todo:
            raise ValueError(f"{len(todo)} migration(s) not applied: run `careops db migrate`")
        return f"PostgreSQL {display(store.url)}; {leader_line(store, s.lease_seconds)}"
    finally:
        store.close()


def check_prompts(s: Settings) -> str:
    """The prompt files careops reads as data: links.yaml, wow.yaml, brand.md's light tone."""
    from bot.adapters.drafters import load_light_tone, load_links, load_wow

    links, wow, tone = load_links(s.prompts), load_wow(s.prompts), load_light_tone(s.prompts)
    gestures = ", ".join(o.label for o in wow.offers.values()) or "no wow gestures"
    light = f"light tone for {', '.join(sorted(tone))}" if tone else "no light tone"
    return f"{s.prompts}: {len(links.topics)} help links; {gestures}; {light}"


CHECKS: dict[str, Callable[[Settings], str]] = {
    "careops.toml": check_operating_file,
    "prompts": check_prompts,
    "database": check_database,
    "slack": check_slack,
    "x": check_x,
    "bluesky": check_bluesky,
    "mastodon": check_mastodon,
    "threads": check_threads,
    "facebook": check_facebook,
    "instagram": check_instagram,
}


def run_checks(s: Settings) -> list[Probe]:
    probes = []
    for service, check in CHECKS.items():
        try:
            probes.append(Probe(service, "ok", check(s)))
        except LookupError as exc:
            probes.append(Probe(service, "missing", f"set {exc.args[0]} to use it"))
        except Exception as exc:  # anything else means configured but not working
            reason = _scrub(f"{type(exc).__name__}: {exc}", s)
            probes.append(Probe(service, "wrong", reason))
    return probes


NETWORK_CHECKS = ("x", "bluesky", "mastodon", "threads", "facebook", "instagram")


@app.command("check")
def check() -> None:
    """Verify careops.toml, Slack and each configured network account; exit 1 if any is wrong."""
    probes = run_checks(settings())
    width = max(len(p.service) for p in probes)
    for probe in probes:
        typer.echo(f"{probe.service:<{width}}  {probe.status:<7}  {probe.detail}")
    if not any(p.status == "ok" for p in probes if p.service in NETWORK_CHECKS):
        typer.echo("No network is configured: careops run will only read its file inbox.")
    if any(p.status == "wrong" for p in probes):
        raise typer.Exit(1)
