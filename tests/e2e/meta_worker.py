"""A careops process for the Meta networks' kill -9 tests: approve everything, publish,
stop when all are out. Run as `python tests/e2e/meta_worker.py NETWORK DB URL EXPECTED`,
NETWORK being threads, facebook or instagram and URL its local fake's base URL.

Threads' 30-second wait between a reply container and its publishing is shortened to
a tenth of a second here, so the test waits for the outbox, not for Meta's advice.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from bot.adapters.threads import _publisher
from bot.config import Settings
from tests.e2e.crashes import publish_everything
from tests.fakes.fake_graph import IG_ID, PAGE_ID
from tests.fakes.fake_threads import BRAND_ID


def meta_settings(network: str, url: str) -> dict[str, str]:
    if network == "threads":
        return {
            "THREADS_USER_ID": BRAND_ID,
            "THREADS_ACCESS_TOKEN": "token",
            "THREADS_API_BASE_URL": url,
        }
    account = {
        "facebook": ("FACEBOOK_PAGE_ID", PAGE_ID),
        "instagram": ("INSTAGRAM_ACCOUNT_ID", IG_ID),
    }
    name, value = account[network]
    return {name: value, "META_PAGE_ACCESS_TOKEN": "token", "GRAPH_API_BASE_URL": url}


def main(network: str, db: str, url: str, expected: int) -> None:
    _publisher.CONTAINER_WAIT = timedelta(seconds=0.1)
    settings = Settings(
        CAREOPS_DB=db,
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
        **meta_settings(network, url),
    )
    publish_everything(settings, expected, pause=0.02)  # a container is due 0.1 s after


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
