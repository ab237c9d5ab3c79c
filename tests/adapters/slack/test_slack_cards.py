"""Block Kit cards: customer text is inert, the buttons fit the case's state."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.slack._cards import ACTION_ANSWER_BY_HAND, ACTION_APPROVE, card_blocks, card_text
from bot.adapters.slack._escape import escape_mrkdwn, slack_to_plain, unescape_mrkdwn
from bot.core.card import card_view, neutralise_bidi
from bot.core.clock import FakeClock
from bot.core.models import Case, CaseState, Draft, Network, RuleCheck
from bot.core.sla import SlaPolicy
from tests.conftest import make_mention

NOW = FakeClock().now()


def view_of(case: Case, draft: Draft | None = None, minutes_later: float = 0):
    return card_view(case, draft, now=NOW + timedelta(minutes=minutes_later), sla=SlaPolicy())


def a_case(
    text: str = "Where is order 5521?", state: CaseState = CaseState.IN_REVIEW, **changes: object
) -> Case:
    mention = make_mention("3001", text, now=NOW, **changes.pop("mention", {}))  # type: ignore[arg-type]
    return Case(mention.case_id, mention, state, NOW, NOW, draft_id="d1", **changes)  # type: ignore[arg-type]


DRAFT = Draft(
    "d1",
    "x:3001",
    "Thanks Maria! Track it: https://help.parcelly.example/order",
    "offline",
    NOW,
    checks=(RuleCheck("thanks", True, "says thanks"), RuleCheck("link", False, "no allowed link")),
)


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@given(st.text(max_size=400))
def test_escaping_round_trips_and_leaves_no_markup(text: str) -> None:
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.search(r"&(?!amp;|lt;|gt;)", escaped) is None
    assert unescape_mrkdwn(escaped) == neutralise_bidi(text)


BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_HEAVY = st.text(st.sampled_from(["a", "b", " ", "\u202e", "\u202d", "\u2067", "\u2069"]))


@given(BIDI_HEAVY, BIDI_HEAVY)
def test_no_bidi_control_reaches_a_card_whatever_the_customer_wrote(text: str, name: str) -> None:
    case = a_case(text or "x", mention={"author_name": name})
    draft = Draft("d1", "x:3001", f"Thanks! {text}", "offline", NOW, checks=DRAFT.checks)
    shown = texts(card_blocks(view_of(case, draft))) + card_text(view_of(case, draft))
    assert BIDI.search(shown) is None


def test_a_right_to_left_override_is_shown_as_a_mark_not_obeyed() -> None:
    blocks = card_blocks(view_of(a_case("refund at \u202emoc.lapyap"), DRAFT))
    assert blocks[1]["text"]["text"] == "> refund at [U+202E]moc.lapyap"


@given(st.text(max_size=4000))
def test_any_customer_text_makes_a_card_without_markup_or_oversized_sections(text: str) -> None:
    blocks = card_blocks(view_of(a_case(text or "x"), DRAFT))
    quoted = blocks[1]["text"]["text"]
    assert "<" not in quoted and len(quoted) <= 3000
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_channel_ping_and_forged_link_are_shown_as_text() -> None:
    blocks = card_blocks(view_of(a_case("<!channel> see <https://evil.example|your bank>"), DRAFT))
    assert (
        blocks[1]["text"]["text"] == "> &lt;!channel&gt; see &lt;https://evil.example|your bank&gt;"
    )
    assert "&lt;!channel&gt;" in card_text(view_of(a_case("<!channel>")))


def test_a_review_card_has_draft_rule_lines_and_five_buttons() -> None:
    blocks = card_blocks(view_of(a_case(), DRAFT, minutes_later=40))
    rendered = texts(blocks)
    assert "Thanks Maria!" in rendered
    assert "⚠️ *Fast* — target missed" in rendered  # an X post 45 minutes old
    assert "✅ *Thanks the customer* — says thanks" in rendered
    assert "⚠️ *Helpful link* — no allowed link" in rendered
    buttons = [e["text"]["text"] for e in blocks[-1]["elements"]]
    assert buttons == ["Approve", "Edit", "Regenerate", "Dismiss", "Claim"]
    assert {e["value"] for e in blocks[-1]["elements"]} == {"x:3001"}


def test_a_listened_x_post_offers_reply_on_x_instead_of_approve() -> None:
    case = a_case(mention={"summoned": False})
    elements = card_blocks(view_of(case, DRAFT))[-1]["elements"]
    assert elements[0]["action_id"] == ACTION_ANSWER_BY_HAND
    assert elements[0]["url"] == "https://x.com/maria_g/status/3001"
    assert ACTION_APPROVE not in texts(card_blocks(view_of(case, DRAFT)))


def test_the_final_card_says_who_approved_and_links_the_reply() -> None:
    case = a_case(
        state=CaseState.PUBLISHED,
        approved_by="UANA",
        published_url="https://x.com/parcelly/status/9",
    )
    blocks = card_blocks(view_of(case, DRAFT))
    assert blocks[-1]["type"] == "section"  # no buttons left
    assert blocks[-1]["text"]["text"] == (
        "✅ *Approved* by <@UANA> and published: <https://x.com/parcelly/status/9|published reply>"
    )


def test_a_dismissed_card_says_why() -> None:
    case = a_case(state=CaseState.DISMISSED, dismissed_reason="duplicate of <!here>")
    assert card_blocks(view_of(case, DRAFT))[-1]["text"]["text"] == (
        "🚫 *Dismissed*: duplicate of &lt;!here&gt;"
    )


def test_a_failed_card_offers_retry() -> None:
    case = a_case(state=CaseState.FAILED, failure="HTTP 503")
    blocks = card_blocks(view_of(case, DRAFT))
    assert [e["text"]["text"] for e in blocks[-1]["elements"]] == ["Retry", "Dismiss"]
    assert "Publishing failed*: HTTP 503" in texts(blocks)


def test_slack_message_text_back_to_what_the_person_typed() -> None:
    typed = "Sorry &amp; thanks <@U1>! See <https://help.parcelly.example/order|help> &lt;3"
    assert slack_to_plain(typed) == "Sorry & thanks U1! See https://help.parcelly.example/order <3"


def test_the_card_says_why_the_offline_drafter_answered_instead_of_the_model() -> None:
    from dataclasses import replace

    for note, shown in (
        ("timeout", "offline, because the model timed out"),
        ("429", "offline, because the model's rate limit was reached (429)"),
        ("5xx", "offline, because the model's server failed (5xx)"),
        ("unsafe link", "offline, because the model's draft carried a link not on our list"),
        ("openai refused", "offline, because the model refused"),
    ):
        assert f"*Draft* ({shown}):" in texts(
            card_blocks(view_of(a_case(), replace(DRAFT, note=note)))
        )
    assert "*Draft* (offline):" in texts(card_blocks(view_of(a_case(), DRAFT)))  # no model set up
    repaired = replace(DRAFT, drafter="gpt-4o-mini", note="repaired: thanks")
    assert "*Draft* (gpt-4o-mini):" in texts(card_blocks(view_of(a_case(), repaired)))


def test_the_new_networks_are_named_and_a_facebook_author_by_name() -> None:
    facebook = a_case(mention={"network": Network.FACEBOOK, "author": "7381920456612309"})
    headline = card_blocks(view_of(facebook, DRAFT))[0]["text"]["text"]
    assert headline.startswith("*Facebook* · *Maria Garcia*")
    shown = headline.split(" · <")[0] + card_text(view_of(facebook, DRAFT))  # the link aside
    assert "7381920456612309" not in shown
    assert card_text(view_of(facebook, DRAFT)).startswith("Facebook comment from Maria Garcia:")
    insta = a_case(mention={"network": Network.INSTAGRAM, "author": "sofia.draws"})
    assert card_text(view_of(insta, DRAFT)).startswith("Instagram comment from @sofia.draws:")
    threads = a_case(mention={"network": Network.THREADS})
    assert card_blocks(view_of(threads, DRAFT))[0]["text"]["text"].startswith(
        "*Threads* · *Maria Garcia (@maria_g)*"
    )


def test_card_says_how_long_intake_took_from_post_to_case() -> None:
    mention = make_mention("3002", "Where is order 5521?", now=NOW, minutes_ago=0)
    posted = mention.created_at
    for taken, said in ((timedelta(seconds=1.43), "1.4s"), (timedelta(minutes=3), "3m")):
        case = Case(mention.case_id, mention, CaseState.IN_REVIEW, posted + taken, posted)
        assert f"taken in {said} after the post" in texts(card_blocks(view_of(case, DRAFT)))


def test_a_post_stamped_after_its_case_took_no_time() -> None:
    mention = make_mention("3003", "Clock ahead", now=NOW, minutes_ago=0)
    early = mention.created_at - timedelta(seconds=5)  # the customer's clock runs ahead
    case = Case(mention.case_id, mention, CaseState.IN_REVIEW, early, early)
    assert "taken in 0.0s after the post" in texts(card_blocks(view_of(case, DRAFT)))


def test_the_author_audience_is_on_the_card_and_a_large_one_is_marked() -> None:
    small = a_case(mention={"meta": {"followers": "312"}})
    large = a_case(mention={"meta": {"followers": "514020"}})
    unknown = a_case()
    assert "· 312 followers ·" in card_blocks(view_of(small))[0]["text"]["text"]
    assert "📣 *514k followers*" in card_blocks(view_of(large))[0]["text"]["text"]
    assert "followers" not in card_blocks(view_of(unknown))[0]["text"]["text"]
