"""The Meta networks from Settings: Threads, Facebook Page comments, Instagram comments,
and the webhook endpoint `careops run --http` serves for the last two.

Part of bot/adapters/networks.py's job (only configured networks are built, nothing
talks to Meta until the first poll), kept apart to keep each module small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from bot.adapters.meta import (
    SAFETY_NET,
    WEBHOOK_PATH,
    CommentPublisher,
    CommentSource,
    GraphClient,
    MetaWebhooks,
    WebhookInbox,
    facebook_account,
    inbox_path,
    instagram_account,
)
from bot.adapters.threads import ThreadsPublisher, ThreadsSource
from bot.config import Settings
from bot.core.models import Network
from bot.core.ports import Clock, MentionSource, Publisher


def threads_configured(settings: Settings) -> bool:
    return bool(settings.threads_user_id) and settings.threads_access_token is not None


def facebook_configured(settings: Settings) -> bool:
    return bool(settings.facebook_page_id) and settings.meta_page_access_token is not None


def instagram_configured(settings: Settings) -> bool:
    return bool(settings.instagram_account_id) and settings.meta_page_access_token is not None


def meta_webhooks_configured(settings: Settings) -> bool:
    """Comments can come by webhook: a Page or an Instagram account, the app secret that
    signs deliveries and the verify token of the handshake."""
    secrets = settings.meta_app_secret is not None and settings.meta_verify_token is not None
    return secrets and (facebook_configured(settings) or instagram_configured(settings))


def add_meta_networks(
    settings: Settings,
    store: Any,
    clock: Clock,
    sources: list[MentionSource],
    publishers: dict[Network, Publisher],
    *,
    webhooks: bool,
) -> None:
    """Append the configured Meta networks. `webhooks`: deliveries can arrive (HTTP
    mode), so polling is only the safety net."""
    if threads_configured(settings) and settings.threads_access_token is not None:
        token = settings.threads_access_token.get_secret_value()
        client = GraphClient(
            settings.threads_api_base_url, token, Network.THREADS, clock, usage=store
        )
        user = str(settings.threads_user_id)
        sources.append(ThreadsSource(client, clock, user_id=user))
        publishers[Network.THREADS] = ThreadsPublisher(client, clock, user_id=user)
    accounts = []
    if facebook_configured(settings):
        accounts.append(facebook_account(str(settings.facebook_page_id)))
    if instagram_configured(settings):
        accounts.append(instagram_account(str(settings.instagram_account_id)))
    if not accounts or settings.meta_page_access_token is None:
        return
    inbox = (
        WebhookInbox(inbox_path(settings.database)) if meta_webhooks_configured(settings) else None
    )
    net = SAFETY_NET if webhooks and inbox is not None else timedelta(0)
    token = settings.meta_page_access_token.get_secret_value()
    for account in accounts:
        client = GraphClient(
            settings.graph_api_base_url, token, account.network, clock, usage=store
        )
        sources.append(CommentSource(client, clock, account, inbox=inbox, safety_net=net))
        publishers[account.network] = CommentPublisher(client, clock, account)


def webhook_routes(
    settings: Settings, sources: Iterable[MentionSource], wake: Callable[[], None]
) -> dict[str, Any]:
    """The Meta webhook endpoint (path → WSGI app) when comments come by webhook."""
    inbox = next(
        (s.inbox for s in sources if isinstance(s, CommentSource) and s.inbox is not None), None
    )
    secret, verify = settings.meta_app_secret, settings.meta_verify_token
    if inbox is None or secret is None or verify is None:
        return {}
    app = MetaWebhooks(inbox, secret.get_secret_value(), verify.get_secret_value(), wake)
    return {WEBHOOK_PATH: app}
