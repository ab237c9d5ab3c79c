"""Fetch one fediverse post by its link (the `PostLookup` port) through the brand's instance.

The instance searches for the link with `resolve=true`, which also fetches a post from
another instance; the Mention carries the id on our instance.
"""

from __future__ import annotations

from typing import Any

from mastodon import Mastodon, MastodonError, MastodonNotFoundError, MastodonRatelimitError

from bot.adapters.mastodon._network import BadNotification, thread_context
from bot.adapters.mastodon._network import mention_from_notification as mastodon_mention
from bot.core.budget import UsageLog
from bot.core.models import Mention, Network
from bot.core.ports import PostLookupError
from bot.core.post_urls import PostRef, from_link


class MastodonPostLookup:
    def __init__(self, api: Mastodon, *, usage: UsageLog | None = None) -> None:
        self.api = api
        self.usage = usage

    def fetch(self, ref: PostRef) -> Mention | None:
        try:
            self._count()
            found = self.api.search_v2(
                ref.url,
                resolve=True,
                result_type="statuses",
                exclude_unreviewed=False,  # hashtags only; True makes Mastodon.py ask the version
            )
            statuses = list(found.get("statuses") or [])
            if not statuses:
                return None  # gone, private, or not a fediverse post after all
            status = statuses[0]
            context = self._context(status)
        except MastodonNotFoundError:
            return None
        except MastodonRatelimitError as exc:
            raise PostLookupError("Mastodon is rate limiting; try again in a few minutes") from exc
        except MastodonError as exc:
            raise PostLookupError(f"Mastodon did not answer ({type(exc).__name__})") from exc
        try:
            return from_link(mastodon_mention({"id": "", "status": status}, context))
        except (BadNotification, KeyError, TypeError, ValueError) as exc:
            raise PostLookupError(f"Mastodon sent a post careops cannot read ({exc})") from exc

    def _context(self, status: Any) -> tuple[str, ...]:
        return thread_context(self.api, status, self._count)

    def _count(self) -> None:
        if self.usage is not None:
            self.usage.record_usage(Network.MASTODON.value, "requests", 1, 0.0)
