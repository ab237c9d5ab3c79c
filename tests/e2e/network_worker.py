"""A careops process for the crash test: approve everything, publish, stop when all are out.

Run as `python tests/e2e/network_worker.py NETWORK DB URL EXPECTED`, NETWORK being
`mastodon` or `x` and URL where its local fake listens.
"""

from __future__ import annotations

import sys

from bot.config import Settings
from tests.e2e.crashes import publish_everything
from tests.fakes.fake_x_server import BRAND_ID as X_BRAND_ID


def network_settings(network: str, url: str) -> dict[str, str]:
    if network == "x":
        keys = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
        return {
            "X_API_BASE_URL": url,
            "X_USER_ID": X_BRAND_ID,
            "X_BEARER_TOKEN": "bearer",
            **{key: key.lower() for key in keys},
        }
    return {"MASTODON_BASE_URL": url, "MASTODON_ACCESS_TOKEN": "token"}


def main(network: str, db: str, url: str, expected: int) -> None:
    settings = Settings(
        CAREOPS_DB=db,
        SLACK_APPROVERS=["U1"],
        CAREOPS_BRAND_HANDLES=["parcelly"],
        **network_settings(network, url),
    )
    publish_everything(settings, expected)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
