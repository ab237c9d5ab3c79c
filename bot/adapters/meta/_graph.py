"""A small typed client for Meta's Graph API and the Threads API, on httpx.

Both answer the same way: JSON objects, errors as `{"error": {"code", "message", ...}}`,
and rate-limit usage in the `X-App-Usage` / `X-Business-Use-Case-Usage` headers (per
cent of a rolling limit). Every call has a timeout; a read that fails on the way
(connection, timeout, 5xx, `is_transient`) is tried twice more after a short pause; a
write never is (the outbox decides, after looking for the reply). Each answer's usage
feeds the network's `UsageGate` (bot/core/budget.py): from 95% or after a rate-limit
error no call is made until Meta's time to regain access. Requests and replies are
counted in the usage table.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.core.budget import UsageGate, UsageLog
from bot.core.credentials import AuthBackoff
from bot.core.models import Network
from bot.core.ports import Clock

TIMEOUT_SECONDS = 15.0  # connect, read and write, per request
READ_RETRIES = 2
RETRY_PAUSES = (0.5, 1.0)
# Graph error codes that mean "rate limited": app (4), user (17), Page (32), calls per
# hour (613), Business Use Case for Pages (80001) and Instagram (80002).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
AUTH_CODES = frozenset({190, 102})  # invalid or expired token, session
PERMISSION_CODES = frozenset({10, *range(200, 300)})
_TOKEN_IN_URL = re.compile(r"(access_token=)[^&\s\"']+")


class _HideAccessTokens(logging.Filter):
    """httpx logs every request's URL at INFO, and Meta takes the token as the documented
    `access_token` parameter: in those lines it is masked, whoever handles the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "access_token=" in message:
            record.msg, record.args = _TOKEN_IN_URL.sub(r"\1***", message), ()
        return True


logging.getLogger("httpx").addFilter(_HideAccessTokens())
log = logging.getLogger(__name__)


class GraphError(Exception):
    """Meta refused or failed a call; `message` is safe to show (no token in it)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: int = 0,
        subcode: int = 0,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.subcode = subcode
        self.transient = transient

    @property
    def rate_limited(self) -> bool:
        return self.status == 429 or self.code in RATE_LIMIT_CODES

    @property
    def auth_refused(self) -> bool:
        return self.status == 401 or self.code in AUTH_CODES

    @property
    def refused(self) -> bool:
        """For good: no permission, a bad parameter, an object that is gone."""
        if self.rate_limited or self.auth_refused or self.transient:
            return False
        return self.code in PERMISSION_CODES or self.code == 100 or 400 <= self.status < 500

    @property
    def not_found(self) -> bool:
        return self.status == 404 or (self.code == 100 and "exist" in str(self).lower())


class RateLimited(GraphError):
    """No call was made: the usage gate is closed until Meta's time to regain access."""


@dataclass(frozen=True)
class Usage:
    percent: float  # the highest share of any limit the headers name
    regain: timedelta | None  # Meta's estimated time to regain access, when it names one


def usage_from(headers: Mapping[str, str]) -> Usage:
    """The highest usage in X-App-Usage (and X-Page-Usage) and X-Business-Use-Case-Usage."""
    percent, regain = 0.0, None
    for name in ("x-app-usage", "x-page-usage"):
        percent = max(percent, _highest(_json(headers.get(name))))
    buc = _json(headers.get("x-business-use-case-usage"))
    for entries in buc.values() if isinstance(buc, dict) else []:
        for entry in entries if isinstance(entries, list) else []:
            percent = max(percent, _highest(entry))
            minutes = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else 0
            if isinstance(minutes, int | float) and minutes > 0:
                wait = timedelta(minutes=minutes)
                regain = wait if regain is None else max(regain, wait)
    return Usage(percent, regain)


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value else {}
    except ValueError:
        return {}


def _highest(entry: Any) -> float:
    if not isinstance(entry, dict):
        return 0.0
    keys = ("call_count", "total_time", "total_cputime")
    values = [entry.get(k) for k in keys]
    return max((float(v) for v in values if isinstance(v, int | float)), default=0.0)


class GraphClient:
    """One network's API (Graph or Threads) with one access token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        network: Network,
        clock: Clock,
        *,
        usage: UsageLog | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.network = network
        self.clock = clock
        self.usage = usage
        self.gate = UsageGate(network)
        self.sleep = sleep
        self._token = token
        self.http = httpx.Client(base_url=self.base_url + "/", timeout=timeout, transport=transport)

    def get(self, path: str, **params: str | int) -> dict[str, Any]:
        """A read, tried again after a failure on the way."""
        for pause in (*RETRY_PAUSES[:READ_RETRIES], None):
            try:
                return self._call("GET", path, params)
            except httpx.TransportError as exc:
                if pause is None:
                    raise GraphError(f"{self.network.value}: {type(exc).__name__}") from None
            except GraphError as exc:
                if pause is None or not exc.transient:
                    raise
            self.sleep(pause)
        raise AssertionError("unreachable")

    def post(self, path: str, **data: str | int) -> dict[str, Any]:
        """A write: never repeated here."""
        try:
            return self._call("POST", path, data)
        except httpx.TransportError as exc:  # it may have reached Meta: the outbox looks
            raise GraphError(f"{self.network.value}: {type(exc).__name__}") from None

    def _call(self, method: str, path: str, fields: Mapping[str, str | int]) -> dict[str, Any]:
        now = self.clock.now()
        if self.gate.blocked(now):
            raise RateLimited(self.gate.notice(), code=4)
        sent = {**fields, "access_token": self._token}
        url = path.lstrip("/")
        if method == "GET":
            response = self.http.get(url, params=sent)
        else:
            response = self.http.post(url, data=sent)
        self._count("requests")
        seen = usage_from(response.headers)
        self.gate.seen(now, seen.percent, seen.regain)
        body = _body(response, self.network)
        if response.status_code >= 400 or "error" in body:
            error = _error(response.status_code, body, self.network)
            if error.rate_limited:
                self.gate.limited(now, seen.regain)
            raise error
        return body

    def _count(self, kind: str) -> None:
        if self.usage is not None:
            self.usage.record_usage(self.network.value, kind, 1, 0.0)

    def counted_reply(self) -> None:
        """A reply went out (the usage table's `post` kind)."""
        self._count("post")

    def close(self) -> None:
        self.http.close()


def _body(response: httpx.Response, network: Network) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, RecursionError):
        raise GraphError(
            f"{network.value}: unreadable answer (HTTP {response.status_code})",
            status=response.status_code,
            transient=True,
        ) from None
    if not isinstance(body, dict):
        raise GraphError(f"{network.value}: the answer is not a JSON object", transient=True)
    return body


def _error(status: int, body: dict[str, Any], network: Network) -> GraphError:
    error = body.get("error")
    error = error if isinstance(error, dict) else {}
    code, subcode = error.get("code"), error.get("error_subcode")
    message = str(error.get("message") or f"HTTP {status}")[:300]
    return GraphError(
        f"{network.value}: {message}",
        status=status,
        code=code if isinstance(code, int) else 0,
        subcode=subcode if isinstance(subcode, int) else 0,
        transient=status >= 500 or error.get("is_transient") is True,
    )


class BadObject(ValueError):
    """Why a Meta object (a Threads post, a comment) cannot become a mention."""


def meta_time(value: Any, what: str = "post") -> datetime:
    """Meta's ISO 8601 time ("2021-08-10T18:45:03+0000")."""
    if not isinstance(value, str) or not value:
        raise BadObject(f"{what} without a time")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadObject(f"time {value[:40]!r} is not a time") from None


def held_back(client: GraphClient, auth: AuthBackoff, now: datetime) -> str | None:
    """Why a source makes no call now (refused credentials, Meta's rate limit), or None."""
    if auth.blocked(now):
        return auth.notice
    if client.gate.blocked(now):
        return client.gate.notice()
    return None


def failure_notice(exc: GraphError, client: GraphClient, auth: AuthBackoff, now: datetime) -> str:
    """What a source tells people after a failed read (and the backoff it starts)."""
    name = client.network.value
    if exc.auth_refused:
        until = auth.refused(now)
        log.warning("%s: credentials refused (%s); next try at %s", name, exc, until)
        return auth.notice
    if exc.rate_limited:
        return client.gate.notice()
    return f"{name}: fetch failed ({exc}); will resume"
