"""The X spend meter fed from API v2 response bodies: which posts and users X returned."""

from __future__ import annotations

from typing import Any

from bot.core.x_costs import XSpendMeter


class XMeter(XSpendMeter):
    """Counts an answered read by the resources in its body: posts in `data` and
    `includes.tweets` (expanded parents and quotes), users in `includes.users`."""

    def response(self, body: Any) -> None:
        if not isinstance(body, dict):
            self.read((), ())
            return
        data = body.get("data")
        posts = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        includes = body.get("includes")
        includes = includes if isinstance(includes, dict) else {}
        self.read(
            _ids([*posts, *_listed(includes.get("tweets"))]),
            _ids(_listed(includes.get("users"))),
        )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ids(items: list[Any]) -> list[str]:
    return [str(i["id"]) for i in items if isinstance(i, dict) and i.get("id") is not None]
