"""Which networks are configured, and their sources, publishers and lookups, from Settings.

A network is "configured" when its credentials are set. Nothing here talks to a network:
clients log in lazily on first use, so building the app never blocks on a login.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from atproto import Client

from bot.adapters.bluesky import (
    BlueskyPostLookup,
    BlueskyPublisher,
    BlueskySession,
    BlueskySource,
)
from bot.adapters.mastodon import (
    MastodonPostLookup,
    MastodonPublisher,
    MastodonSource,
    MastodonStream,
    mastodon_client,
)
from bot.adapters.networks_meta import add_meta_networks
from bot.adapters.x import XMeter, XPostLookup, XPublisher, XSource, x_client
from bot.config import Settings
from bot.core.models import Network
from bot.core.ports import Clock, MentionSource, PostLookup, Publisher
from bot.core.x_costs import XPrices

log = logging.getLogger(__name__)


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def x_configured(settings: Settings) -> bool:
    has_reader = settings.x_bearer_token is not None or _x_user_keys(settings)
    return bool(settings.x_user_id) and bool(has_reader)


def _x_user_keys(settings: Settings) -> bool:
    keys = (
        settings.x_api_key,
        settings.x_api_secret,
        settings.x_access_token,
        settings.x_access_token_secret,
    )
    return all(k is not None for k in keys)


def bluesky_configured(settings: Settings) -> bool:
    return bool(settings.bluesky_handle) and settings.bluesky_app_password is not None


def mastodon_configured(settings: Settings) -> bool:
    return bool(settings.mastodon_base_url) and settings.mastodon_access_token is not None


def x_username(settings: Settings) -> str:
    """The brand's X handle: the first configured handle without a dot or an @domain."""
    plain = [h.lstrip("@") for h in settings.brand_handles if "." not in h and "@" not in h[1:]]
    return plain[0] if plain else settings.brand_name.lower()


def build_networks(
    settings: Settings, store: Any, clock: Clock, *, webhooks: bool = False
) -> tuple[list[MentionSource], dict[Network, Publisher]]:
    """Sources and publishers of the configured networks only (`webhooks`: Meta can
    deliver comments, `careops run --http`)."""
    sources: list[MentionSource] = []
    publishers: dict[Network, Publisher] = {}
    for retired in settings.retired():
        log.warning("%s", retired)
    if x_configured(settings):
        client = x_client(
            _secret(settings.x_bearer_token),
            _secret(settings.x_api_key),
            _secret(settings.x_api_secret),
            _secret(settings.x_access_token),
            _secret(settings.x_access_token_secret),
            base_url=settings.x_api_base_url,
        )
        prices = XPrices.from_config(settings.ops().get("x", {}).get("prices", {}))
        meter = XMeter(store, prices, clock)
        user_id, name = str(settings.x_user_id), x_username(settings)
        sources.append(
            XSource(
                client,
                clock,
                user_id=user_id,
                username=name,
                meter=meter,
                listen_query=settings.x_listen_query,
            )
        )
        if _x_user_keys(settings):  # posting needs the user's keys, not only a bearer token
            publishers[Network.X] = XPublisher(client, user_id=user_id, username=name, meter=meter)
    if bluesky_configured(settings):
        session = BlueskySession(
            Client(base_url=settings.bluesky_service_url),
            str(settings.bluesky_handle),
            str(_secret(settings.bluesky_app_password)),
            store,
            store,
            clock=clock,
        )
        sources.append(BlueskySource(session, clock))
        publishers[Network.BLUESKY] = BlueskyPublisher(session, clock)
    if mastodon_configured(settings):
        api = mastodon_client(
            str(settings.mastodon_base_url), str(_secret(settings.mastodon_access_token))
        )
        token = str(_secret(settings.mastodon_access_token))
        stream = (
            MastodonStream(str(settings.mastodon_base_url), token)
            if settings.mastodon_streaming
            else None
        )
        sources.append(MastodonSource(api, clock, usage=store, stream=stream))
        publishers[Network.MASTODON] = MastodonPublisher(api, usage=store)
    add_meta_networks(settings, store, clock, sources, publishers, webhooks=webhooks)
    return sources, publishers


def lookups_for(sources: Iterable[MentionSource]) -> dict[Network, PostLookup]:
    """A lookup for each configured network, sharing its source's client and meters."""
    lookups: dict[Network, PostLookup] = {}
    for source in sources:
        if isinstance(source, XSource):
            lookups[Network.X] = XPostLookup(
                source.client,
                source.clock,
                user_id=source.user_id,
                username=source.username,
                meter=source.meter,
            )
        elif isinstance(source, BlueskySource):
            lookups[Network.BLUESKY] = BlueskyPostLookup(source.session)
        elif isinstance(source, MastodonSource):
            lookups[Network.MASTODON] = MastodonPostLookup(source.api, usage=source.usage)
    return lookups
