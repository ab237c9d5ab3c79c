"""Who may approve: SLACK_APPROVERS lists user ids (U…/W…) and user group ids (S…).

Group members come from `usergroups.users.list` and are cached for `ttl` seconds, so a
reaction does not cost an API call. If Slack cannot be reached, the last known members
stay in force (and a warning is logged) rather than locking everyone out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

DEFAULT_TTL = 300.0


def is_group_id(entry: str) -> bool:
    return entry.startswith("S")


class Approvers:
    def __init__(
        self,
        client: WebClient,
        entries: Iterable[str],
        *,
        ttl: float = DEFAULT_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        entries = [e.strip() for e in entries if e.strip()]
        self.client = client
        self.users = frozenset(e for e in entries if not is_group_id(e))
        self.groups = tuple(e for e in entries if is_group_id(e))
        self.ttl = ttl
        self.monotonic = monotonic
        self._members: dict[str, frozenset[str]] = {}
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def ids(self) -> frozenset[str]:
        """Every approver's user id (empty when SLACK_APPROVERS is empty: anyone approves)."""
        members: set[str] = set(self.users)
        for group in self.groups:
            members |= self._group(group)
        return frozenset(members)

    def is_approver(self, user: str) -> bool:
        return not (self.users or self.groups) or user in self.ids()

    def _group(self, group: str) -> frozenset[str]:
        with self._lock:
            fetched = self._fetched_at.get(group)
            if fetched is not None and self.monotonic() - fetched < self.ttl:
                return self._members[group]
            try:
                answer = self.client.usergroups_users_list(usergroup=group)
                self._members[group] = frozenset(str(u) for u in answer.get("users") or [] if u)
            except SlackApiError as exc:
                log.warning(
                    "cannot list members of user group %s: %s", group, exc.response.get("error")
                )
                self._members.setdefault(group, frozenset())
            self._fetched_at[group] = self.monotonic()
            return self._members[group]
