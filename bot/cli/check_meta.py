"""`careops check` for the Meta networks: the Threads profile and its reply quota, the
Facebook Page, the Instagram account, and whether webhooks or polling bring comments."""

from __future__ import annotations

from typing import Any

from bot.config import Settings


def _client(s: Settings, base_url: str, token: Any, network: str) -> Any:
    from bot.adapters.clock import SystemClock
    from bot.adapters.meta import GraphClient
    from bot.core.models import Network

    return GraphClient(base_url, token.get_secret_value(), Network(network), SystemClock())


def check_threads(s: Settings) -> str:
    from bot.adapters.networks_meta import threads_configured

    if not threads_configured(s) or s.threads_access_token is None:
        raise LookupError("THREADS_USER_ID and THREADS_ACCESS_TOKEN")
    client = _client(s, s.threads_api_base_url, s.threads_access_token, "threads")
    me = client.get(str(s.threads_user_id), fields="id,username")
    limits = client.get(
        f"{s.threads_user_id}/threads_publishing_limit", fields="reply_quota_usage,reply_config"
    )
    row = (limits.get("data") or [{}])[0]
    total = (row.get("reply_config") or {}).get("quota_total", 1000)
    return (
        f"@{me.get('username')}: {row.get('reply_quota_usage', 0)} of {total} replies used in 24 h"
    )


def check_facebook(s: Settings) -> str:
    from bot.adapters.networks_meta import facebook_configured

    if not facebook_configured(s) or s.meta_page_access_token is None:
        raise LookupError("FACEBOOK_PAGE_ID and META_PAGE_ACCESS_TOKEN")
    client = _client(s, s.graph_api_base_url, s.meta_page_access_token, "facebook")
    page = client.get(str(s.facebook_page_id), fields="id,name")
    return f"Page {page.get('name')} ({page.get('id')}); {_intake(s)}"


def check_instagram(s: Settings) -> str:
    from bot.adapters.networks_meta import instagram_configured

    if not instagram_configured(s) or s.meta_page_access_token is None:
        raise LookupError("INSTAGRAM_ACCOUNT_ID and META_PAGE_ACCESS_TOKEN")
    client = _client(s, s.graph_api_base_url, s.meta_page_access_token, "instagram")
    account = client.get(str(s.instagram_account_id), fields="id,username")
    return f"@{account.get('username')} ({account.get('id')}); {_intake(s)}"


def _intake(s: Settings) -> str:
    from bot.adapters.meta import WEBHOOK_PATH
    from bot.adapters.networks_meta import meta_webhooks_configured

    if meta_webhooks_configured(s):
        return f"webhooks at {WEBHOOK_PATH} with careops run --http, polling every 5 min besides"
    return "polling (set META_APP_SECRET and META_VERIFY_TOKEN for webhooks)"
