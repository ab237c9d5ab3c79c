"""Meta's Graph API: the httpx client (shared with Threads), and comments on the brand's
Facebook Page posts and Instagram media as a network each: a source (webhooks, with
polling as the safety net), a publisher (a public reply under the comment)."""

from bot.adapters.meta._graph import (
    BadObject,
    GraphClient,
    GraphError,
    RateLimited,
    failure_notice,
    held_back,
    meta_time,
    usage_from,
)
from bot.adapters.meta._listing import Account, facebook_account, instagram_account
from bot.adapters.meta._publisher import CommentPublisher
from bot.adapters.meta._source import SAFETY_NET, CommentSource
from bot.adapters.meta._webhooks import WEBHOOK_PATH, MetaWebhooks, WebhookInbox, inbox_path

__all__ = [
    "SAFETY_NET",
    "WEBHOOK_PATH",
    "Account",
    "BadObject",
    "CommentPublisher",
    "CommentSource",
    "GraphClient",
    "GraphError",
    "MetaWebhooks",
    "RateLimited",
    "WebhookInbox",
    "facebook_account",
    "failure_notice",
    "held_back",
    "inbox_path",
    "instagram_account",
    "meta_time",
    "usage_from",
]
