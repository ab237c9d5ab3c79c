"""`careops lint` end to end, and reading prompts/links.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.drafters import LinksFileError, load_links
from bot.cli import app
from bot.core.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
GOOD = (
    "Thanks for flagging this, Maria! Could you DM us your tracking number so we can chase "
    "the courier? https://help.parcelly.example/delivery"
)
TOPICS = {"general", "delivery", "order", "refund", "billing", "account", "app", "outage"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no .env or careops.toml from the working tree
    monkeypatch.setenv("CAREOPS_PROMPTS_DIR", str(ROOT / "prompts"))
    return monkeypatch


def run(stdin: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["lint", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_a_good_reply_prints_every_rule_and_exits_0(env: pytest.MonkeyPatch) -> None:
    code, out, _ = run(GOOD + "\n", "--topic", "delivery")
    assert code == 0
    lines = out.strip().splitlines()
    assert [line.rsplit("[", 1)[1].rstrip("]") for line in lines] == list(RULES)
    assert all(line.startswith("✅ ") for line in lines)
    assert "✅ Fits the network: 122/280 characters  [length]" in lines


def test_a_failing_reply_exits_1_and_says_why(env: pytest.MonkeyPatch) -> None:
    code, out, _ = run("As we already said, read the FAQ.", "--network", "mastodon")
    assert code == 1
    assert "⚠️ Not defensive: “As we already said”  [not_defensive]" in out
    assert "⚠️ Helpful link: missing: end with https://help.parcelly.example/  [link]" in out
    assert "✅ Fits the network: 33/500 characters  [length]" in out


def test_the_reply_may_be_given_as_an_argument_instead_of_stdin(env: pytest.MonkeyPatch) -> None:
    from_stdin = run(GOOD, "--topic", "delivery", "-")
    from_argument = run("ignored", GOOD, "--topic", "delivery")
    assert from_argument == from_stdin and from_argument[0] == 0
    assert run("", "As we already said, read the FAQ.")[0] == 1


def test_json_output_has_exactly_the_documented_shape(env: pytest.MonkeyPatch) -> None:
    code, out, _ = run("Thanks! DM us. https://evil.example/x", "--json", "--network", "bluesky")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"ok", "rules"}
    assert data["ok"] is False
    assert [r["rule"] for r in data["rules"]] == list(RULES)
    assert all(set(r) == {"rule", "ok", "why"} for r in data["rules"])
    link = data["rules"][RULES.index("link")]
    assert link == {
        "rule": "link",
        "ok": False,
        "why": "https://evil.example/x is not in links.yaml",
    }


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("", (), "no reply given"),
        ("   \n", (), "no reply given"),
        ("", ("  ",), "the reply is empty"),
        (GOOD, ("--network", "myspace"), "unknown network 'myspace'"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(
    env: pytest.MonkeyPatch, stdin: str, args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(stdin, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err


NO_LINK = (
    "Thanks for flagging this, Maria! Could you DM us your tracking number so we can chase it?"
)


@pytest.mark.parametrize(
    ("policy", "x_passes"), [(None, False), ("always", False), ("never", True), ("budget", True)]
)
def test_on_x_the_link_rule_follows_the_link_policy_in_careops_toml(
    env: pytest.MonkeyPatch, tmp_path: Path, policy: str | None, x_passes: bool
) -> None:
    """As the running app lints a draft: under `never` and `budget` an X reply may go out
    without its link, so one without passes; other networks always need the link."""
    if policy is not None:
        (tmp_path / "careops.toml").write_text(f"[x]\nlink_policy = '{policy}'\n")
    code, out, _ = run(NO_LINK, "--network", "x")
    assert code == (0 if x_passes else 1)
    link = "✅ Helpful link: none needed" if x_passes else "⚠️ Helpful link: missing: end with"
    assert link in out
    code, out, _ = run(NO_LINK, "--network", "mastodon")
    assert code == 1 and "⚠️ Helpful link: missing: end with" in out


def test_careops_config_names_the_file_and_a_bad_one_is_a_usage_error(
    env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "team" / "ops.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("[x]\nlink_policy = 'never'\n")
    (tmp_path / "careops.toml").write_text("[x]\nlink_policy = 'always'\n")  # not read
    env.setenv("CAREOPS_CONFIG", str(elsewhere))
    assert run(NO_LINK)[0] == 0
    for content, message in [
        ("[x]\nlink_policy = 'sometimes'\n", "link_policy must be one of always, never, budget"),
        ("[x\n", "ops.toml"),
    ]:
        elsewhere.write_text(content)
        code, out, err = run(NO_LINK)
        assert code == 2 and message in err and "Traceback" not in out + err
    env.setenv("CAREOPS_CONFIG", str(tmp_path / "missing.toml"))
    code, _, err = run(NO_LINK)
    assert code == 2 and "config file not found" in err


def test_lint_knows_the_link_policies_careops_toml_allows() -> None:
    from typing import get_args

    from bot.cli.lint import LINK_POLICIES
    from bot.core.link_policy import LinkPolicy
    from bot.ops_file import XTable

    allowed = get_args(XTable.model_fields["link_policy"].annotation)
    assert set(LINK_POLICIES) == set(allowed) == {p.value for p in LinkPolicy}


def test_a_broken_links_file_is_a_usage_error(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "links.yaml").write_text("general: [not, a, url]\n", encoding="utf-8")
    env.setenv("CAREOPS_PROMPTS_DIR", str(tmp_path))
    code, _, err = run(GOOD)
    assert code == 2
    assert "links.yaml" in err and "general" in err


def test_the_shipped_links_file_is_the_parcelly_allowlist() -> None:
    book = load_links(ROOT / "prompts")
    assert set(book.topics) == TOPICS | {"privacy"}
    assert book.url_for("outage") == "https://status.parcelly.example/"
    assert book.url_for("unknown") == "https://help.parcelly.example/"
    assert all(url.startswith("https://") and ".example/" in url for url in book.topics.values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        ("general: [unclosed\n", "not valid YAML"),
        ("", "got empty"),
        ("- https://help.parcelly.example/\n", "got list"),
        ("general: ftp://help.parcelly.example/\n", r"not an http\(s\) URL"),
        ("general: 42\n", "must be a string"),
    ],
)
def test_load_links_explains_a_bad_file(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "links.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(LinksFileError, match=message):
        load_links(tmp_path)
