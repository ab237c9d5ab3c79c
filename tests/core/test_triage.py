"""Triage: intent, priority, language, topic and tags of realistic mentions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Intent, Mention, Network, Priority
from bot.core.triage import detect_language, detect_topic, triage
from tests.shared_data import complaint_sample

TOPICS = {"general", "delivery", "order", "refund", "billing", "account", "app", "outage"}
TOPICS |= {"privacy"}
LANGUAGES = {"en", "es", "fr", "de", "pt", "it", "nl", "und"}


def mention(text: str, **extra: object) -> Mention:
    return Mention(
        network=Network.X,
        external_id="1",
        author_handle="maria_g",
        text=text,
        created_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        **extra,  # type: ignore[arg-type]
    )


def test_an_angry_complaint_is_high_priority_and_tagged() -> None:
    t = triage(
        mention("@parcelly my parcel NEVER arrived and nobody answers. Worst service ever!!!")
    )
    assert t.intent is Intent.COMPLAINT
    assert t.priority is Priority.HIGH
    assert t.sentiment < -0.5
    assert "angry" in t.tags
    assert t.topic == "delivery"
    assert t.language == "en"


def test_a_mild_complaint_is_normal_priority() -> None:
    t = triage(mention("@parcelly still waiting for my order from last week, any update?"))
    assert t.intent is Intent.COMPLAINT
    assert t.priority is Priority.NORMAL
    assert "angry" not in t.tags


def test_praise_is_low_priority() -> None:
    t = triage(mention("@parcelly the driver was lovely and the parcel came early. Love it!"))
    assert t.intent is Intent.PRAISE
    assert t.priority is Priority.LOW
    assert t.sentiment > 0.5


def test_a_neutral_question_is_a_question() -> None:
    t = triage(mention("@parcelly do you deliver to Sunday lockers in Leeds?"))
    assert t.intent is Intent.QUESTION
    assert t.priority is Priority.NORMAL
    assert t.topic == "delivery"


def test_a_suggestion_is_feedback() -> None:
    t = triage(mention("@parcelly it would be nice to pick a delivery slot in the app"))
    assert t.intent is Intent.FEEDBACK


@pytest.mark.parametrize(
    "text",
    [
        "@parcelly 🚀 FREE crypto giveaway! Send 0.1 ETH, get 1 back https://t.co/x",
        "@parcelly follow for follow? f4f 💯",
        "@parcelly DM me for promo, 10k followers guaranteed",
        "@parcelly #win #free #deal #promo #giveaway #now check this",
        "@parcelly https://a.example/1 https://b.example/2 https://c.example/3",
    ],
)
def test_spam_is_spotted_and_low(text: str) -> None:
    t = triage(mention(text))
    assert t.intent is Intent.SPAM
    assert t.priority is Priority.LOW


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        (
            "@parcelly your driver left a box of knives at the school gate, this is dangerous",
            "safety",
        ),
        ("@parcelly my insulin was in that parcel and it never came, what do I do", "safety"),
        ("@parcelly I was charged twice for one order, 40 pounds gone", "money"),
        ("@parcelly my lawyer will be in touch about the lost laptop", "legal"),
        ("@parcelly sort this out or I'm taking you to the small claims court", "legal"),
        ("@parcelly is the app down? it says 503 for everyone", "outage"),
        ("@parcelly your driver keeps harassing me with messages after the delivery", "harassment"),
        (
            "@parcelly someone got into my account and changed my email address",
            "account_compromise",
        ),
        ("@parcelly honestly I can't go on like this, I want to end my life", "self_harm"),
    ],
)
def test_risk_words_make_it_urgent_and_tag_it(text: str, tag: str) -> None:
    t = triage(mention(text))
    assert t.priority is Priority.HIGH
    assert tag in t.tags
    assert t.intent is not Intent.PRAISE


def test_sarcasm_is_a_complaint_not_praise() -> None:
    for text in (
        "great job losing my bag again 🙄",
        "oh brilliant, the app crashed again. well done",
    ):
        t = triage(mention(text))
        assert t.intent is Intent.COMPLAINT, text
        assert t.priority is not Priority.LOW


def test_a_large_audience_is_a_risk_to_know_about() -> None:
    big = triage(mention("@parcelly where is my parcel?", meta={"followers": "250000"}))
    small = triage(mention("@parcelly where is my parcel?", meta={"followers": "80"}))
    assert "large_audience" in big.tags and big.priority is Priority.HIGH
    assert "large_audience" not in small.tags


def test_a_legal_threat_put_politely_is_still_a_complaint() -> None:
    t = triage(mention("@parcelly I have asked my solicitor to write to you about this"))
    assert t.intent is Intent.COMPLAINT
    assert t.to_dict()["risks"] == ["legal"]


@pytest.mark.parametrize(
    "text",
    [
        "Mein Paket ist noch nicht da und ich warte seit Montag",
        "荷物がまだ届きません",
        "Mi pedido no ha llegado y nadie me responde",
    ],
)
def test_complaints_in_other_languages_are_complaints(text: str) -> None:
    assert triage(mention(text)).intent is Intent.COMPLAINT


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Mi pedido todavía no ha llegado y nadie me responde", "es"),
        ("Mon colis n'est toujours pas arrivé, je suis très déçu", "fr"),
        ("Mein Paket ist noch nicht da und ich warte seit Montag", "de"),
        ("Minha encomenda ainda não chegou, o que está acontecendo?", "pt"),
        ("Il mio pacco non è ancora arrivato, sono molto deluso", "it"),
        ("Mijn pakket is nog niet bezorgd en ik wacht al een week", "nl"),
        ("My parcel is still not here and the tracking page is stuck", "en"),
        ("ok", "und"),
        ("荷物がまだ届きません", "und"),
    ],
)
def test_language_is_detected_from_stopwords(text: str, language: str) -> None:
    assert detect_language(text) == language
    assert triage(mention(text)).language == language


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("the courier left my parcel with a neighbour", "delivery"),
        ("i want my money back for the broken kettle", "refund"),
        ("why is there a fee on my invoice this month", "billing"),
        ("can't log in, password reset email never comes", "account"),
        ("the app crashes on android when i open the map", "app"),
        ("please delete my data under gdpr", "privacy"),
        ("your website is down again", "outage"),
        ("wrong items in my order from checkout", "order"),
        ("hello there", "general"),
    ],
)
def test_topic_matches_a_links_yaml_topic(text: str, topic: str) -> None:
    assert detect_topic(text) == topic


def test_tags_say_thread_listening_and_long() -> None:
    t = triage(mention("parcelly deliveries are slow " * 20, in_reply_to="99", summoned=False))
    assert {"thread", "listening", "long"} <= set(t.tags)
    plain = triage(mention("@parcelly where is my parcel?"))
    assert not {"thread", "listening", "long"} & set(plain.tags)


def test_real_labelled_tweets_are_mostly_sorted_right() -> None:
    """70 tweets labelled complaint / not complaint (Preoţiuc-Pietro et al., ACL 2019).
    The model was trained on them, so this checks the wiring, not how well it generalises
    (docs/drafting.md has cross-validated figures)."""
    rows = complaint_sample()
    right = sum(
        (triage(mention(row["text"])).intent is Intent.COMPLAINT) == row["is_complaint"]
        for row in rows
    )
    assert len(rows) == 70
    assert right / len(rows) >= 0.85


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec=None, min_codepoint=0)), st.booleans())
def test_triage_never_raises_and_returns_valid_values(text: str, summoned: bool) -> None:
    t = triage(mention(text, summoned=summoned))
    assert isinstance(t.intent, Intent)
    assert t.language in LANGUAGES
    assert t.topic in TOPICS
    assert -1.0 <= t.sentiment <= 1.0
    assert isinstance(t.priority, Priority)


def test_triage_copes_with_huge_and_binary_text() -> None:
    t = triage(mention("\x00\xff\ud800 terrible!!! " * 50_000))
    assert t.intent is Intent.COMPLAINT
    assert "long" in t.tags


@pytest.mark.parametrize(
    "text",
    [
        "@parcelly #Again #nothing #bs #no #answers #fail",
        "@parcelly when will you announce the giveaway winner?",
        "@parcelly you left it in the rain so you can make money on refunds?",
    ],
)
def test_customers_are_not_dismissed_as_spam(text: str) -> None:
    assert triage(mention(text)).intent is not Intent.SPAM
