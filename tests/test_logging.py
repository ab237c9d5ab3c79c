"""Secrets never reach the log, even inside an exception message."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.logging_setup import RedactSecrets, configure_logging, secret_values


def capture(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> tuple[logging.Logger, io.StringIO]:
    configure_logging(settings)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)  # the handler writes to the current stderr
    return logging.getLogger("careops.test"), stream


def test_configured_secrets_and_token_shapes_are_masked(monkeypatch: pytest.MonkeyPatch):
    settings = Settings(
        SLACK_BOT_TOKEN=SecretStr("xoxb-1111-2222-abcdef"),
        OPENAI_API_KEY=SecretStr("my-own-key-123"),
    )
    log, stream = capture(settings, monkeypatch)
    log.warning("calling with %s and %s", "my-own-key-123", "xapp-1-A0-zzzzzzzz")
    try:
        raise ValueError("auth failed for token xoxb-1111-2222-abcdef")
    except ValueError:
        log.exception("boom")
    out = stream.getvalue()
    assert "my-own-key-123" not in out and "xoxb-1111" not in out and "xapp-1-A0" not in out
    assert out.count("[redacted]") == 4  # two args, the traceback's source line, the message
    assert "ValueError" in out


def test_printing_settings_never_shows_a_secret():
    settings = Settings(SLACK_SIGNING_SECRET=SecretStr("8f742231b10e8888abcd99yyyzzz85a5"))
    assert "8f742231" not in repr(settings) and "8f742231" not in str(settings)
    assert secret_values(settings) == ["8f742231b10e8888abcd99yyyzzz85a5"]


def test_short_values_are_not_treated_as_secrets():
    assert RedactSecrets(["abc"]).redact("abc def") == "abc def"


def test_logging_follows_stderr_when_it_is_replaced_and_closed(monkeypatch: pytest.MonkeyPatch):
    configure_logging(Settings())
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logging.getLogger("careops.test").warning("one")
    first.close()  # as a test runner does with one command's captured output
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("careops.test").warning("two")
    assert second.getvalue().endswith("careops.test: two\n")
    assert "Logging error" not in second.getvalue()
