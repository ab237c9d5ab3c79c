"""The terminal card: what a person sees for a case, whatever the customer wrote."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from bot.adapters.terminal import TerminalSurface
from bot.adapters.terminal._cards import rule_line
from bot.core.models import Case, CaseState, Draft, Intent, Network, Priority, RuleCheck, Triage
from bot.core.sla import SlaPolicy
from tests.conftest import make_mention

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
GOOD = "Thanks so much for telling us, Maria! DM us order 5521 and we'll fix it: https://help.parcelly.example/"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=110, color_system=None, force_terminal=False), out


def card_case(text: str, **mention: object) -> tuple[Case, Draft]:
    m = make_mention("2001", text, **mention)  # posted 5 minutes before NOW
    triage = Triage(Intent.COMPLAINT, -0.6, Priority.HIGH, "en", "delivery", ("late",))
    case = Case(m.case_id, m, CaseState.IN_REVIEW, NOW, NOW, triage=triage, draft_id="d1")
    checks = (
        RuleCheck("thanks", True, "opens with thanks"),
        RuleCheck("link", False, "no help link at the end"),
    )
    draft = Draft("d1", case.id, GOOD, "offline", NOW, checks=checks)
    return case, draft


def show(case: Case, draft: Draft | None, now: datetime = NOW) -> str:
    con, out = console()
    assert TerminalSurface(con, FixedClock(now), SlaPolicy()).show(case, draft) is None
    return out.getvalue()


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def test_card_shows_network_author_post_tags_due_time_draft_and_one_line_per_rule() -> None:
    case, draft = card_case("Where is my parcel? Order 5521.")
    seen = show(case, draft)
    assert "X · Maria Garcia (@maria_g)" in seen
    assert "Where is my parcel? Order 5521." in seen
    assert "complaint · negative · high priority · en · delivery · late" in seen
    assert "2026-11-25 09:25 UTC (5m since the post)" in seen  # X target: 30 minutes
    assert "taken in 5m after the post" in seen  # the case was made at NOW
    assert GOOD[:60] in seen
    assert "✅ Fast: 5m since the post, due 09:25 UTC" in seen
    assert "✅ Thanks the customer: opens with thanks" in seen
    assert "⚠️ Helpful link: no help link at the end" in seen
    assert "in review · x:2001" in seen


def test_customer_markup_is_shown_literally_and_never_styles_the_card() -> None:
    text = "[bold]FREE[/bold] <!channel> [link=https://evil.example]click[/link] \\[x]"
    case, draft = card_case(text, author_name="[red]Evil[/red]")
    seen = show(case, draft)
    assert text in seen
    assert "[red]Evil[/red] (@maria_g)" in seen


def test_late_case_warns_on_the_fast_rule() -> None:
    case, draft = card_case("Still waiting.")
    seen = show(case, draft, now=NOW + timedelta(hours=1))
    assert "⚠️ Fast: target missed: 1h 05m since the post, due 09:25 UTC" in seen


def test_unsummoned_x_post_says_to_answer_by_hand() -> None:
    case, draft = card_case("parcelly lost my parcel again", summoned=False)
    seen = show(case, draft)
    assert "Answer by hand:" in seen
    assert "https://x.com/maria_g/status/2001" in seen


def test_case_without_draft_says_so() -> None:
    case, _ = card_case("Hello?")
    assert "(no draft)" in show(case, None)


def test_rule_line_without_reason_is_just_the_label() -> None:
    assert rule_line(RuleCheck("human", False, "")) == "⚠️ Sounds human"
    assert rule_line(RuleCheck("mystery", True, "ok")) == "✅ mystery: ok"


# --- any customer text ----------------------------------------------------------------------

# Pieces that rich or Slack would treat as markup, plus plain and wide characters.
PIECES = [
    "[bold]",
    "[/]",
    "[/bold]",
    "<!channel>",
    "[link=x]",
    "\\",
    "[",
    "]",
    " ",
    "é",
    "😅",
    "ab",
]
MARKUP_HEAVY = st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=MARKUP_HEAVY, name=MARKUP_HEAVY)
def test_any_customer_text_renders_literally(text: str, name: str) -> None:
    case, draft = card_case(text, author_name=name)
    con, out = console()
    con.width = 400  # one line per field: no wrapping to reassemble
    TerminalSurface(con, FixedClock(NOW), SlaPolicy()).show(case, draft)
    rows = out.getvalue().splitlines()
    post = next(row for row in rows if row.startswith("│ post "))
    assert post.removeprefix("│ post ").rstrip(" │") == text.rstrip()
    assert f"{name} (@maria_g)" in rows[0] or name == "maria_g"


def test_bidi_overrides_in_any_field_are_shown_as_marks() -> None:
    case, draft = card_case("refund at \u202emoc.lapyap", author_name="Eve\u2067")
    draft = Draft("d1", case.id, "Thanks\u202d!", "offline", NOW, checks=draft.checks)
    seen = show(case, draft)
    assert "refund at [U+202E]moc.lapyap" in seen
    assert "Eve[U+2067] (@maria_g)" in seen and "Thanks[U+202D]!" in seen
    assert all(ch not in seen for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_each_network_is_named_and_a_facebook_author_by_name_not_by_id() -> None:
    threads, draft = card_case("Where is my parcel?", network=Network.THREADS)
    assert "Threads · Maria Garcia (@maria_g)" in show(threads, draft)
    comment, draft = card_case("Where is my parcel?", network=Network.FACEBOOK, author="73819204")
    seen = show(comment, draft)
    assert "Facebook · Maria Garcia" in seen and "73819204" not in seen.split("\n")[0]
    unnamed, draft = card_case("Hi", network=Network.FACEBOOK, author="7381", author_name="")
    assert "Facebook · a Facebook user" in show(unnamed, draft)
    insta, draft = card_case("Hi", network=Network.INSTAGRAM, author="sofia.draws", author_name="")
    assert "Instagram · @sofia.draws" in show(insta, draft)


def test_the_terminal_card_shows_the_customers_history_and_a_wow_moment() -> None:
    from bot.core.card import CardNotes, WowLine

    case, draft = card_case("We just had a baby and the pram arrived early, thank you!")
    wow = WowLine("new baby", suggestion="a handwritten card ($3; $57 of $60 left this month)")
    notes = CardNotes("3rd contact · last: refund, answered in 12 min, 14 days ago", wow)
    con, out = console()
    TerminalSurface(con, FixedClock(NOW), SlaPolicy(), notes=lambda c: notes).show(case, draft)
    text = " ".join(out.getvalue().split())
    assert "3rd contact · last: refund, answered in 12 min, 14 days ago" in text
    assert "🎉 Wow moment: new baby · suggest: a handwritten card ($3; $57 of $60" in text
