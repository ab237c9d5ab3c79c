"""Property tests: the linter and the length counters never raise and behave sanely on any text."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import Network
from bot.core.rules import RULES, LinkBook, lint, measure
from bot.core.text import grapheme_length, handles_in, url_spans, urls_in

BOOK = LinkBook.from_mapping(
    {"general": "https://help.parcelly.example/", "delivery": "https://help.parcelly.example/d"}
)
networks = st.sampled_from(list(Network))
# Any unicode (surrogates, controls, unassigned code points), plus the pieces replies are made of.
any_text = st.text(st.characters(codec=None, min_codepoint=0))
reply_bits = st.lists(
    st.sampled_from(
        [
            "Thanks",
            " ",
            "\n",
            "!",
            "?",
            ".",
            "DM us",
            "https://",
            "https://help.parcelly.example/d",
            "https://evil.example/x",
            "(",
            ")",
            "@maria",
            "@",
            "👩‍👩‍👧",
            "\u200d",
            "🇫",
            "e\u0301",
            "日本",
            "\r",
            "^JS",
            "AS WE ALREADY SAID",
        ]
    ),
    max_size=30,
).map("".join)
texts = st.one_of(any_text, reply_bits, st.builds(lambda a, b: a + b, reply_bits, any_text))


@settings(max_examples=150, deadline=None)
@given(
    texts,
    networks,
    st.sampled_from(["general", "delivery", "nope"]),
    st.lists(any_text, max_size=3),
)
def test_lint_never_raises_and_returns_the_six_rules_in_order(
    text: str, network: Network, topic: str, previous: list[str]
) -> None:
    result = lint(text, network=network, links=BOOK, topic=topic, previous_replies=previous)
    assert tuple(c.rule for c in result.checks) == RULES
    assert all(isinstance(c.ok, bool) and c.why for c in result.checks)
    assert result.to_dict()["ok"] == all(c.ok for c in result.checks)


def test_lint_survives_huge_and_control_heavy_text() -> None:
    huge = ("Thanks!\x00\x1b[31m DM us \u202e" * 20_000) + " https://help.parcelly.example/"
    result = lint(huge, network=Network.X, links=BOOK)
    assert [c.rule for c in result.checks] == list(RULES)
    length = result.checks[RULES.index("length")]
    assert not length.ok
    assert length.why.endswith("/280 characters")


@settings(max_examples=150, deadline=None)
@given(texts, any_text, networks)
def test_appending_a_new_word_never_shortens(text: str, more: str, network: Network) -> None:
    assert measure(text + " " + more, network) >= measure(text, network)


@settings(max_examples=150, deadline=None)
@given(texts, any_text, networks)
def test_appending_anything_never_shortens_text_without_links(
    text: str, more: str, network: Network
) -> None:
    """Networks fold trailing punctuation into a link that grows, so links are excluded."""
    if url_spans(text):
        text = text.replace("://", ":/ /")
    assert measure(text + more, network) >= measure(text, network)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_fast_grapheme_count_equals_full_segmentation(text: str) -> None:
    assert grapheme_length(text) == len(regex.findall(r"\X", text))


@settings(max_examples=120, deadline=None)
@given(texts)
def test_counts_are_bounded_by_the_text(text: str) -> None:
    graphemes = len(regex.findall(r"\X", text))
    assert measure(text, Network.X) <= 2 * len(text) + 23 * len(urls_in(text))
    assert measure(text, Network.BLUESKY) == graphemes
    if "://" not in text:  # every character weighs at least 1 on X, URLs aside
        assert graphemes <= measure(text, Network.X)
        assert measure(text, Network.MASTODON) == graphemes
    # Threads: one per code point, an emoji its UTF-8 bytes (so never more than those)
    assert len(text) <= measure(text, Network.THREADS) <= len(text.encode("utf-8", "surrogatepass"))
    assert measure(text, Network.FACEBOOK) == measure(text, Network.INSTAGRAM) == len(text)


@settings(max_examples=120, deadline=None)
@given(texts)
def test_extracted_urls_and_handles_come_from_the_text(text: str) -> None:
    for url in urls_in(text):
        assert url in text
        assert url.lower().startswith(("http://", "https://"))
    for handle in handles_in(text):
        assert "@" + handle in text


_PHRASE_BITS = [
    "as we already said",
    "you should have",
    "you  should've",
    "your own fault",
    "user error",
    "calm down",
    "per our policy",
    "that's our policy",
    "obviously",
    "good luck with that",
    "did you even",
    "read the faq",
    "dear valued customer",
    "please be advised",
    "we regret to inform you",
    "this is an automated",
    "at your earliest\nconvenience",
    "your message is important to us",
    "como ya le dijimos",
    "no es nuestra culpa",
    "comme nous l’avons déjà dit",
    "c'est votre faute",
    "wie bereits  gesagt",
    "selbst schuld",
    "não é nossa culpa",
    "è colpa tua",
    "zoals al\ngezegd",
    "estimada cliente",
    "chère cliente",
    "sehr geehrte kundin",
    "ci scusiamo per ogni disagio",
    "dit is een automatische",
    "thanks",
    "we",
    "you",
    "should",
    " ",
    "\n",
    "\t",
    ", ",
    ". ",
    "!",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PHRASE_BITS), max_size=14).map("".join))
def test_a_defensive_or_robotic_phrase_anywhere_fails_its_rule(text: str) -> None:
    from bot.core import rule_phrases

    verdicts = {c.rule: c.ok for c in lint(text, network=Network.X, links=BOOK).checks}
    if rule_phrases.DEFENSIVE.search(text.lower()):
        assert not verdicts["not_defensive"]
    if rule_phrases.ROBOTIC.search(text.lower()):
        assert not verdicts["human"]
