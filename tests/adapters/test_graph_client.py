"""The Graph/Threads client: Meta's usage headers, errors, retries and timeouts (httpx
MockTransport: no network)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.adapters.meta import GraphClient, GraphError, RateLimited, usage_from
from bot.core.clock import FakeClock
from bot.core.models import Network
from tests.fakes.graph_http import FIXTURES

ERROR = json.loads((FIXTURES / "meta" / "error.json").read_text())


def test_usage_headers_give_the_highest_share_and_the_time_to_regain_access() -> None:
    app = json.dumps({"call_count": 28, "total_time": 25, "total_cputime": 25})
    buc = json.dumps(
        {
            "1093847561203344": [
                {
                    "type": "pages",
                    "call_count": 67,
                    "total_cputime": 91,
                    "total_time": 40,
                    "estimated_time_to_regain_access": 0,
                }
            ],
            "17841400000000002": [
                {"type": "instagram", "call_count": 12, "estimated_time_to_regain_access": 19}
            ],
        }
    )
    assert usage_from({"x-app-usage": app}).percent == 28
    both = usage_from({"x-app-usage": app, "x-business-use-case-usage": buc})
    assert (both.percent, both.regain) == (91, timedelta(minutes=19))
    assert usage_from({}).percent == 0
    assert usage_from({"x-app-usage": "not json", "x-business-use-case-usage": "[1]"}).percent == 0


def client(handler: Any, clock: FakeClock, sleeps: list[float] | None = None) -> GraphClient:
    return GraphClient(
        "https://graph.example/v23.0",
        "secret-token",
        Network.FACEBOOK,
        clock,
        transport=httpx.MockTransport(handler),
        sleep=(sleeps if sleeps is not None else []).append,
    )


def test_a_read_is_tried_three_times_a_write_once(clock: FakeClock) -> None:
    seen: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) < 3:
            return httpx.Response(500, json={"error": {"message": "boom", "code": 1}})
        return httpx.Response(200, json={"id": "1"})

    sleeps: list[float] = []
    graph = client(flaky, clock, sleeps)
    assert graph.get("1") == {"id": "1"} and sleeps == [0.5, 1.0]
    seen.clear()
    with pytest.raises(GraphError, match="boom") as raised:
        graph.post("1/comments", message="hi")
    assert seen == ["POST"] and raised.value.transient


def test_a_timeout_on_a_write_is_an_error_for_the_outbox_never_a_second_write(
    clock: FakeClock,
) -> None:
    writes: list[bytes] = []

    def slow(request: httpx.Request) -> httpx.Response:
        writes.append(request.content)
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(GraphError, match="ReadTimeout"):
        client(slow, clock).post("1/comments", message="hi")
    assert len(writes) == 1 and b"secret-token" in writes[0]  # the token goes in the form


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, 4, "rate_limited"),
        (403, 17, "rate_limited"),
        (400, 80001, "rate_limited"),
        (429, 0, "rate_limited"),
        (401, 190, "auth_refused"),
        (403, 10, "refused"),
        (400, 100, "refused"),
    ],
)
def test_errors_are_sorted_by_what_careops_does_next(
    clock: FakeClock, status: int, code: int, kind: str
) -> None:
    body = json.loads(json.dumps(ERROR))
    body["error"]["code"] = code

    with pytest.raises(GraphError) as raised:
        client(lambda r: httpx.Response(status, json=body), clock).get("1")
    error = raised.value
    assert getattr(error, kind) and "secret-token" not in str(error)
    assert [k for k in ("rate_limited", "auth_refused", "refused") if getattr(error, k)] == [kind]


def test_a_rate_limit_shuts_the_gate_until_meta_says_and_no_call_is_made(clock: FakeClock) -> None:
    calls: list[httpx.Request] = []
    buc = {"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        body = json.loads(json.dumps(ERROR))
        body["error"]["code"] = 80001
        return httpx.Response(
            400, json=body, headers={"X-Business-Use-Case-Usage": json.dumps(buc)}
        )

    graph = client(limited, clock)
    with pytest.raises(GraphError):
        graph.get("1")
    with pytest.raises(RateLimited):
        graph.get("1")
    assert len(calls) == 1
    clock.advance(timedelta(minutes=7))
    with pytest.raises(GraphError):
        graph.get("1")
    assert len(calls) == 2


def test_an_answer_that_is_not_a_json_object_is_a_transient_error(clock: FakeClock) -> None:
    with pytest.raises(GraphError, match="unreadable") as raised:
        client(lambda r: httpx.Response(200, text="<html>"), clock).get("1")
    assert raised.value.transient
    with pytest.raises(GraphError, match="not a JSON object"):
        client(lambda r: httpx.Response(200, json=[1, 2]), clock).get("1")


def test_the_token_never_reaches_a_log_line(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="httpx")
    client(lambda r: httpx.Response(200, json={"id": "1"}), clock).get("1", fields="id")
    [line] = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert "access_token=***" in line and "secret-token" not in line
