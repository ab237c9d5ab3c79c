"""The Bluesky session: one logged-in atproto Client for intake, replies and lookups.

createSession (a login with the app password) is limited to 30 calls in five minutes
and 300 a day per account; past that Bluesky locks the account out. So the session is
created once and kept in the store (`bluesky.session`, with every refresh the SDK
makes), each createSession call is written down before it is made
(`bluesky.sign_ins`, the last day's), careops never makes more than
`CREATE_SESSION_LIMITS` allow, even across restarts, and after a refused password it
backs off (`bot/core/credentials.py`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    RequestErrorBase,
    UnauthorizedError,
)

from bot.adapters.bluesky._parse import get
from bot.adapters.clock import SystemClock
from bot.core.budget import UsageLog
from bot.core.credentials import AuthBackoff, CallLimit, CredentialsRefused, next_allowed
from bot.core.models import Network
from bot.core.ports import Clock

log = logging.getLogger(__name__)

SESSION_KEY = "bluesky.session"
SIGN_INS_KEY = "bluesky.sign_ins"  # JSON list of when createSession was called, last day
# Bluesky's limits are 30 per 5 minutes and 300 a day; a few are left for people.
CREATE_SESSION_LIMITS = (
    CallLimit(25, timedelta(minutes=5)),
    CallLimit(250, timedelta(days=1)),
)
# createSession's answers for a password or an account that cannot sign in.
REFUSALS = ("AuthenticationRequired", "AccountTakedown", "AccountDeactivated")
T = TypeVar("T")


class BlueskySession:
    """A logged-in atproto Client, reusing the stored session; logs in only when it must."""

    def __init__(
        self,
        client: Client,
        handle: str,
        password: str,
        store: Any,
        usage: UsageLog | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.handle = handle
        self._password = password
        self.store = store
        self.usage = usage
        self.clock = clock or SystemClock()
        self.backoff = AuthBackoff(Network.BLUESKY, "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
        self._ready = False
        self._news: list[str] = []
        client.on_session_change(self._save)

    def _save(self, event: Any, session: Any) -> None:
        self.store.set_setting(SESSION_KEY, session.export())

    @property
    def did(self) -> str:
        self.ensure()
        session = self.client._session
        assert session is not None
        return str(session.did)

    def take_news(self) -> list[str]:
        """Notices for people since the last call ("bluesky: signed in again ...")."""
        news, self._news = self._news, []
        return news

    def ensure(self, fresh: bool = False) -> None:
        """A usable session: the stored one, else a new one (CredentialsRefused if the
        password was refused lately, or the sign-in limits are reached)."""
        if self._ready and not fresh:
            return
        saved = None if fresh else self.store.get_setting(SESSION_KEY)
        if saved:
            try:
                self.client.login(session_string=saved, fetch_bsky_profile=False)
                self._ready = True
                return
            except (AtProtocolError, ValueError) as exc:
                log.info("bluesky: stored session unusable (%s); logging in", type(exc).__name__)
        self._sign_in()

    def _sign_in(self) -> None:
        now = self.clock.now()
        if self.backoff.blocked(now):
            raise CredentialsRefused(self.backoff.notice)
        self._note_sign_in(now)  # before the call: a crash right after it still counts
        self._count("session")
        try:
            self.client.login(self.handle, self._password, fetch_bsky_profile=False)
        except (BadRequestError, UnauthorizedError) as exc:
            if not _refuses_sign_in(exc):
                raise
            until = self.backoff.refused(now)
            log.warning("bluesky: sign-in refused (%s); next try at %s", _error(exc), until)
            raise CredentialsRefused(self.backoff.notice) from None
        self._ready = True
        recovered = self.backoff.accepted()
        if recovered:
            self._news.append(recovered)

    def _note_sign_in(self, now: datetime) -> None:
        """Write the call down, or refuse it when it would pass Bluesky's limits."""
        calls = _read_stamps(self.store.get_setting(SIGN_INS_KEY))
        free_at = next_allowed(calls, CREATE_SESSION_LIMITS, now)
        if free_at is not None:
            raise CredentialsRefused(
                f"bluesky: careops has signed in {len(calls)} times today; it waits until"
                f" {free_at:%H:%M} UTC to stay within Bluesky's limits (30 in 5 minutes,"
                " 300 a day), which lock the account out"
            )
        kept = [at for at in calls if now - at < timedelta(days=1)] + [now]
        self.store.set_setting(SIGN_INS_KEY, json.dumps([at.isoformat() for at in kept]))

    def call(self, fn: Callable[[], T]) -> T:
        """Run an API call; an expired or revoked session gets one fresh login."""
        self.ensure()
        self._count("requests")
        try:
            return fn()
        except (BadRequestError, UnauthorizedError) as exc:
            if not _is_auth_error(exc):
                raise
        self.ensure(fresh=True)
        return fn()

    def _count(self, kind: str) -> None:
        if self.usage is not None:
            self.usage.record_usage(Network.BLUESKY.value, kind, 1, 0.0)


def _read_stamps(raw: str | None) -> list[datetime]:
    try:
        values = json.loads(raw or "[]")
        return [datetime.fromisoformat(v) for v in values if isinstance(v, str)]
    except (ValueError, TypeError):
        return []  # an unreadable ledger starts again (it only ever holds one day)


def _error(exc: RequestErrorBase) -> str:
    content = getattr(exc.response, "content", None)
    error = get(content, "error") if content is not None else None
    return str(error or type(exc).__name__)


def _refuses_sign_in(exc: RequestErrorBase) -> bool:
    return isinstance(exc, UnauthorizedError) or _error(exc) in REFUSALS


def _is_auth_error(exc: RequestErrorBase) -> bool:
    if isinstance(exc, UnauthorizedError):
        return True
    return _error(exc) in ("ExpiredToken", "InvalidToken")
