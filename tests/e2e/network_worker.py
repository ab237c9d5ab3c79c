"""A careops process for the crash test: approve everything, publish, stop when all are out.

Run as `python tests/e2e/network_worker.py DB MASTODON_URL EXPECTED`.
"""

from __future__ import annotations

import sys

from bot.app import build_app
from bot.config import Settings
from bot.core.models import CaseState, OutboxState


def main(db: str, url: str, expected: int) -> None:
    settings = Settings(
        CAREOPS_DB=db,
        MASTODON_BASE_URL=url,
        MASTODON_ACCESS_TOKEN="token",
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
    )
    app = build_app(settings)
    app.startup()  # reconciles replies a kill left in `publishing`
    while len(app.store.outbox([OutboxState.PUBLISHED])) < expected:
        app.tick()
        for case in app.store.cases([CaseState.IN_REVIEW]):
            app.review.approve(case.id, "U1")
        app.publishing.publish_pending()
    print("all published", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
