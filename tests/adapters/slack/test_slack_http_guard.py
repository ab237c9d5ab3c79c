"""The HTTP endpoint refuses what is not a Slack request before it costs anything:
413 over 1 MB from the Content-Length alone (signed or not), 400 for a signed body of
the wrong shape, 401 for an unsigned one, and never a 500 or a traceback."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack._http_guard import MAX_BODY, malformed
from bot.core.clock import FakeClock
from tests.fakes.slack_requests import interactive_body, signature, signed_post
from tests.fakes.slack_world import SECRET, SlackWorld, slack_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackWorld]:
    with slack_world(tmp_path_factory.mktemp("guard"), FakeClock()) as w:
        yield w


def form(payload: object) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    ("body", "is_form"),
    [
        (form([1, 2, 3]), True),
        (form({"type": "block_actions", "actions": "nope"}), True),
        (form({"type": "block_actions", "actions": [1]}), True),
        (form({"type": "block_actions", "user": "U1", "actions": [{}]}), True),
        (form({"type": "block_actions", "actions": []}), True),
        (form({"type": "block_actions", "user": {"id": "U1"}, "actions": [{"value": 1}]}), True),
        ("payload=%7Bbroken", True),
        ("{broken json", False),
        ("[1, 2, 3]", False),
        (json.dumps({"type": "event_callback", "event": "nope"}), False),
        (json.dumps({"type": "event_callback", "event": {"type": "reaction_added", "item": 7}}),
         False),
        ("[" * 5000 + "]" * 5000, False),
        (b"\xff\xfe".decode("latin-1"), False),
    ],
)  # fmt: skip
def test_a_signed_malformed_body_gets_400_and_no_traceback(
    world: SlackWorld, body: str, is_form: bool, caplog: pytest.LogCaptureFixture
) -> None:
    status, text, _ = signed_post(world.base_url, SECRET, body, form=is_form)
    assert status == 400, text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert world.api.calls_to("chat.postMessage") == []


def test_an_unsigned_malformed_body_gets_401(world: SlackWorld) -> None:
    status, _, _ = signed_post(world.base_url, SECRET, form([1]), form=True, sign_with="wrong" * 7)
    assert status == 401


def test_a_real_interaction_still_passes(world: SlackWorld) -> None:
    body = interactive_body("BlockActionPayload.json")
    assert malformed(body.encode(), "application/x-www-form-urlencoded") is None
    # past the guard: bolt answers 404 for a button that is not careops's
    assert signed_post(world.base_url, SECRET, body, form=True)[0] == 404


@pytest.mark.parametrize("signed", [True, False])
def test_a_body_over_1_mb_is_refused_from_its_length_before_it_is_read(
    world: SlackWorld, signed: bool
) -> None:
    """The client announces 30 MB and sends 10 bytes: the answer comes at once."""
    parts = urllib.parse.urlsplit(world.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    ts = str(int(time.time()))
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(30_000_000))
    conn.putheader("X-Slack-Request-Timestamp", ts)
    conn.putheader("X-Slack-Signature", signature(SECRET if signed else "x" * 32, ts, "{}"))
    conn.endheaders(b'{"type": 1')
    answer = conn.getresponse()
    assert answer.status == 413
    conn.close()


def test_a_body_just_under_the_cap_is_read_and_judged(world: SlackWorld) -> None:
    body = json.dumps({"type": "event_callback", "event": "x" * (MAX_BODY - 100)})
    assert len(body) < MAX_BODY
    assert signed_post(world.base_url, SECRET, body)[0] == 400


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(["actions", "user", "channel", "view", "team", "message", "container"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.dictionaries(FIELDS, JSON, max_size=4), kind=st.sampled_from(
    ["block_actions", "view_submission", "shortcut"]))  # fmt: skip
def test_any_signed_interaction_gets_an_answer_never_a_500(
    world: SlackWorld, payload: dict[str, object], kind: str
) -> None:
    status, _, _ = signed_post(world.base_url, SECRET, form({**payload, "type": kind}), form=True)
    assert status in (200, 400, 404)


EVENT_FIELDS = st.sampled_from(["item", "user", "channel", "text", "thread_ts", "ts", "reaction"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event=st.dictionaries(EVENT_FIELDS, JSON, max_size=4), kind=st.sampled_from(
    ["reaction_added", "message", "app_home_opened"]), n=st.integers(0, 10**9))  # fmt: skip
def test_any_signed_event_gets_an_answer_never_a_500(
    world: SlackWorld, event: dict[str, object], kind: str, n: int
) -> None:
    body = {"type": "event_callback", "event_id": f"Ev{n}", "event": {**event, "type": kind}}
    status, _, _ = signed_post(world.base_url, SECRET, json.dumps(body))
    assert status in (200, 400)
