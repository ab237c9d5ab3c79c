"""Signed requests to the bolt endpoint, shaped like Slack's recorded payloads.

`signed_post` sends a body signed the way Slack signs it; the `*_body` helpers fill the
recorded event and interaction shapes (tests/fixtures/slack/) with test values.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.parse
from typing import Any

from tests.fakes.fake_slack import BOT_USER, TEAM, fixture

# --- signed requests to the bolt endpoint ---------------------------------------------


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_post(
    base_url: str,
    secret: str,
    body: str,
    *,
    form: bool = False,
    timestamp: int | None = None,
    retry_num: int | None = None,
    sign_with: str | None = None,
) -> tuple[int, str, float]:
    """POST `body` to {base_url}/slack/events; returns (status, text, seconds taken)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(sign_with or secret, ts, body),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    parts = urllib.parse.urlsplit(base_url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
        answer = conn.getresponse()
        text = answer.read().decode()
    finally:
        conn.close()
    return answer.status, text, time.perf_counter() - started


def event_body(fixture_name: str, event: dict[str, Any], event_id: str) -> str:
    """An Events API envelope from a recorded shape, with our event and ids in it."""
    body = fixture(fixture_name)
    body.update(team_id=TEAM, api_app_id="ACARE", type="event_callback", event_id=event_id)
    body["authorizations"][0].update(team_id=TEAM, user_id=BOT_USER, is_bot=True)
    base = {k: v for k, v in body["event"].items() if k in ("type", "event_ts")}
    body["event"] = {**base, "event_ts": "1764061300.000100", **event}
    return json.dumps(body)


def reaction_body(reaction: str, user: str, channel: str, ts: str, event_id: str) -> str:
    event = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": BOT_USER,
        "item": {"type": "message", "channel": channel, "ts": ts},
    }
    return event_body("ReactionAddedPayload.json", event, event_id)


def thread_reply_body(user: str, text: str, channel: str, thread_ts: str, event_id: str) -> str:
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "channel": channel,
        "channel_type": "channel",
        "ts": "1764061400.000200",
        "thread_ts": thread_ts,
    }
    return event_body("MessagePayload.json", event, event_id)


def home_opened_body(user: str, event_id: str) -> str:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    return event_body("AppHomeOpenedPayload.json", event, event_id)


def interactive_body(fixture_name: str, **fields: Any) -> str:
    """A form body `payload=<json>` from a recorded interaction shape."""
    payload = fixture(fixture_name)
    payload["team"].update(id=TEAM, domain="care")
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(payload.get(key), dict):
            payload[key].update(value)
        else:
            payload[key] = value
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def command_body(text: str, user: str, response_url: str, channel: str = "C0CARE") -> str:
    payload = fixture("SlashCommandPayload.json")
    payload.update(
        team_id=TEAM,
        api_app_id="ACARE",
        channel_id=channel,
        channel_name="care",
        user_id=user,
        user_name=user.lower(),
        command="/care",
        text=text,
        response_url=response_url,
        trigger_id="1337.42.abcd",
    )
    return urllib.parse.urlencode(payload)
