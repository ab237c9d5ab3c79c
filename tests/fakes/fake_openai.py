"""A fake OpenAI-compatible server on 127.0.0.1, answering with recorded responses.

The envelopes come from tests/fixtures/openai (real Chat Completions responses recorded
by the openai-python test suite). `reply()` keeps a recorded envelope and puts careops'
structured answer in `message.content`, the way the real API returns JSON-schema output.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "openai"
RULE_NAMES = ("thanks", "solution", "not_defensive", "human", "link", "length")


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def reply(text: str, *, topic: str = "delivery", link_key: str = "delivery") -> Answer:
    """The recorded structured-output completion, carrying this reply."""
    body = recorded("chat_completion_structured")["response"]
    content = {
        "reply": text,
        "topic": topic,
        "link_key": link_key,
        "self_check": dict.fromkeys(RULE_NAMES, True),
    }
    body["choices"][0]["message"]["content"] = json.dumps(content)
    return Answer(200, body)


def refusal() -> Answer:
    return Answer(200, recorded("chat_completion_refusal")["response"])


def truncated() -> Answer:
    return Answer(200, recorded("chat_completion_length")["response"])


def rate_limited(retry_after: str | None = None) -> Answer:
    data = recorded("error_rate_limit_429")
    headers = dict(data["headers"])
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return Answer(429, data["body"], headers)


def server_error() -> Answer:
    """HTTP 500 in the documented error shape (not a recording: the body is written)."""
    body = {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    return Answer(500, body, {"retry-after-ms": "1"})


class FakeOpenAI:
    """Serves queued answers in order (the last one repeats) and records every request."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def next_answer(self, request: dict[str, Any]) -> Answer:
        with self.lock:
            self.requests.append(request)
            if not self.answers:
                return server_error()
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Run on 127.0.0.1 (a free port); yields the base URL for OPENAI_BASE_URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length", "0"))
                request = json.loads(self.rfile.read(size) or b"{}")
                request["_path"] = self.path
                answer = fake.next_answer(request)
                if answer.delay:
                    threading.Event().wait(answer.delay)
                payload = json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/v1"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
