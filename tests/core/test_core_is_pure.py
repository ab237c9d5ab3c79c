"""bot/core must not import SDKs, storage, the scheduler or adapters (DESIGN §3)."""

import ast
from pathlib import Path

FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "tweepy",
    "openai",
    "atproto",
    "mastodon",
    "sqlite3",
    "sqlite_utils",
    "apscheduler",
    "requests",
    "httpx",
    "bot.adapters",
    "bot.app",
    "bot.careops",
    "bot.cli",
    "bot.config",
)
CORE = Path(__file__).resolve().parents[2] / "bot" / "core"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_core_imports_no_sdk_storage_scheduler_or_adapter():
    offenders = {
        f"{path.name}: {module}"
        for path in CORE.glob("*.py")
        for module in imported_modules(path)
        if is_forbidden(module)
    }
    assert not offenders


def test_the_check_itself_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import tweepy\n"
        "from bot.adapters.files._jsonl import JsonlInbox\n"
        "from slack_sdk.web import WebClient\n"
    )
    assert {m for m in imported_modules(bad) if is_forbidden(m)} == {
        "tweepy",
        "bot.adapters.files._jsonl",
        "slack_sdk.web",
    }
    assert len(list(CORE.glob("*.py"))) >= 8
