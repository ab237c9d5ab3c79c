"""In front of bolt's HTTP endpoint: the body's size before it is read, its shape after.

Slack's requests are a few kilobytes; a body over `MAX_BODY` (1 MB) is refused with 413
from its Content-Length alone, signed or not, so nobody can make careops read 30 MB to
find the signature wrong. A signed body that is not what Slack sends (`payload=[1,2,3]`,
`"actions": "nope"`, broken JSON) gets 400 here instead of a traceback and a 500 deep in
bolt; an unsigned one gets 401, as bolt answers any request whose signature is wrong.
"""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.adapters.http_body import BodyRefused, read_body
from bot.adapters.http_body import answer as _answer

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Fields of Slack's payloads that bolt or the listeners read, and the JSON type each must
# have when present: interaction payloads and envelopes at the top, an event's own fields
# under "event". Slack always sends them so; anything else is not Slack.
_TOP: dict[str, type] = {
    "type": str, "event_id": str, "team_id": str, "api_app_id": str, "trigger_id": str,
    "event": dict, "user": dict, "channel": dict, "view": dict, "team": dict,
    "container": dict, "message": dict, "actions": list,
}  # fmt: skip
_EVENT: dict[str, type] = {
    "type": str, "user": str, "channel": str, "text": str, "ts": str, "thread_ts": str,
    "event_ts": str, "reaction": str, "tab": str, "subtype": str, "bot_id": str, "item": dict,
}  # fmt: skip


class BodyGuard:
    def __init__(self, app: WsgiApp, signing_secret: str, limit: int = MAX_BODY) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        try:
            body = read_body(environ, self.limit)
        except BodyRefused as refused:
            return _answer(start_response, refused.status, refused.why)
        problem = malformed(body, str(environ.get("CONTENT_TYPE", "")))
        if problem is not None:  # bolt would stumble on it before checking the signature
            if not self._signed(environ, body):
                return _answer(start_response, 401, "invalid request")
            log.warning("refused a signed Slack request: %s", problem)
            return _answer(start_response, 400, problem)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def _signed(self, environ: dict[str, Any], body: bytes) -> bool:
        return self.verifier.is_valid(
            body.decode("utf-8", "replace"),
            str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")),
            str(environ.get("HTTP_X_SLACK_SIGNATURE", "")),
        )


def malformed(body: bytes, content_type: str) -> str | None:
    """Why `body` is not a Slack request careops can read, or None."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return _shape(json.loads(text))
        form = urllib.parse.parse_qs(text, keep_blank_values=True)
        if "payload" in form:
            return _shape(json.loads(form["payload"][0]))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return f"not JSON ({type(exc).__name__})"
    return None  # a slash command: form fields are strings by nature


def _shape(data: object, fields: dict[str, type] = _TOP) -> str | None:
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__} where an object belongs"
    for key, kind in fields.items():
        if key in data and not isinstance(data[key], kind):
            return f"{key!r} is not a JSON {'object' if kind is dict else kind.__name__}"
    actions = data.get("actions", [{"action_id": ""}])  # bolt reads each one's action_id
    if not (actions and all(isinstance(x, dict) and _text(x, "action_id") for x in actions)):
        return "'actions' is not a list of objects with an action_id"
    if "event" in data and fields is _TOP:
        return _shape(data["event"], _EVENT)
    return None


def _text(data: dict[str, object], key: str) -> bool:
    return isinstance(data.get(key), str)
