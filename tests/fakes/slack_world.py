"""careops wired to a fake Slack: JSONL inbox/outbox, the real bolt endpoint on 127.0.0.1.

`slack_world(...)` is a context manager yielding a `SlackWorld` with the fake Web API,
the runtime and the endpoint's base URL; tests send signed requests to it. With
`socket_mode=True` the runtime is built for Socket Mode instead (no signing secret, no
HTTP endpoint: `base_url` is empty) and the test connects it to a `FakeSocketMode`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.adapters.files._jsonl import mention_to_inbox
from bot.adapters.slack import SlackOptions, SlackRuntime
from bot.adapters.slack._poster import ChannelPacer, RetryAfterHandler
from bot.app import file_app
from bot.careops import Careops
from bot.config import Settings
from bot.core.models import Mention
from bot.core.ports import Clock, Drafter
from tests.fakes.fake_slack import FakeSlackApi

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0CARE"
APPROVER = "UAPPROVER"
STRANGER = "USTRANGER"


@dataclass
class SlackWorld:
    api: FakeSlackApi
    care: Careops
    base_url: str
    inbox: Path
    outbox: Path

    @property
    def rt(self) -> SlackRuntime:
        assert self.care.slack is not None
        return self.care.slack

    def add_mention(self, mention: Mention) -> None:
        with self.inbox.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(mention_to_inbox(mention)) + "\n")

    def outbox_lines(self) -> list[dict[str, Any]]:
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text().splitlines() if line]

    def tick(self) -> None:
        """One poll and publish round, on the worker like Slack's own work."""
        self.rt.submit(self.care.tick).result(10)


def world_settings(api: FakeSlackApi, data_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_APPROVERS": [APPROVER],
        "SLACK_API_URL": api.url,
        "SLACK_PACE_SECONDS": 0.0,
        "CAREOPS_DATA_DIR": data_dir,
        "CAREOPS_POLL_SECONDS": 0.2,
        "OPENAI_API_KEY": None,
        **extra,
    }
    return Settings(**values)


@contextmanager
def slack_world(
    tmp_path: Path,
    clock: Clock,
    *,
    drafter: Drafter | None = None,
    pacer: ChannelPacer | None = None,
    settings: dict[str, Any] | None = None,
    jobs: bool = False,
    socket_mode: bool = False,
) -> Iterator[SlackWorld]:
    with FakeSlackApi() as api:
        config = world_settings(api, tmp_path / "data", **(settings or {}))
        inbox, outbox = tmp_path / "inbox.jsonl", tmp_path / "outbox.jsonl"

        retry = RetryAfterHandler(sleep=lambda s: None)
        care = file_app(
            config,
            inbox,
            outbox,
            clock=clock,
            drafter=drafter,
            slack=SlackOptions(socket_mode=socket_mode, pacer=pacer, retry=retry),
        )
        assert care.slack is not None
        care.startup()
        base_url = ""
        if not socket_mode:
            host, port = care.slack.serve_http("127.0.0.1", 0).server_address[:2]
            base_url = f"http://{host!s}:{port}"
        if jobs:
            care.start_jobs()
        try:
            yield SlackWorld(api, care, base_url, inbox, outbox)
        finally:
            care.close()
