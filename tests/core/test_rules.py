"""The five-rule linter: each rule with realistic good and bad replies, and length counting."""

from __future__ import annotations

import pytest

from bot.core.models import Network
from bot.core.rules import LIMITS, RULES, LinkBook, check_link, lint, measure
from bot.core.text import handles_in, urls_in

HELP = "https://help.parcelly.example/"
BOOK = LinkBook.from_mapping(
    {
        "general": HELP,
        "delivery": HELP + "delivery",
        "refund": HELP + "refund",
        "outage": "https://status.parcelly.example/",
    }
)
GOOD = (
    "Thanks for letting us know, Maria, and sorry your parcel is late. Could you DM us the "
    "tracking number so we can chase the courier? https://help.parcelly.example/delivery"
)


def check(text: str, rule: str, *, topic: str = "delivery", network: Network = Network.X, **kw):
    result = lint(text, network=network, links=BOOK, topic=topic, **kw)
    assert tuple(c.rule for c in result.checks) == RULES
    return next(c for c in result.checks if c.rule == rule)


def test_a_good_reply_passes_every_rule() -> None:
    result = lint(GOOD, network=Network.X, links=BOOK, topic="delivery")
    assert result.ok, result.failed
    assert [c.rule for c in result.checks] == list(RULES)


# --- thanks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for your patience! DM us your order number.",
        "Thanks so much for flagging this.",
        "We really appreciate you telling us.",
        "thx for the heads-up, we're on it",
        "¡Gracias por escribirnos!",
        "Merci pour votre message.",
        "Danke für deine Nachricht!",
        "Obrigada pelo contato.",
        "Grazie per la segnalazione.",
        "Dank je wel voor je bericht.",
    ],
)
def test_thanks_is_found_in_several_languages(text: str) -> None:
    verdict = check(text, "thanks")
    assert verdict.ok
    # the thanks, quoted as the reply wrote it: the card reads "Thanks the customer: “…”"
    assert verdict.why.startswith("“") and verdict.why.endswith("”")
    assert verdict.why[1:-1] in text


@pytest.mark.parametrize(
    "text",
    [
        "Sorry about that. DM us your order number.",
        "We're looking into it now.",
        "See https://help.parcelly.example/thanks",  # a URL's path is not a thank-you
        "Thankfully the parcel is on its way.",
    ],
)
def test_missing_thanks_fails_and_says_what_to_add(text: str) -> None:
    verdict = check(text, "thanks")
    assert not verdict.ok
    assert verdict.why == "no thanks to the customer"


# --- solution -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Thanks! DM us your order number and we'll sort it.", "DM us"),
        ("Thanks, could you try reinstalling the app?", "could you try"),
        ("Thanks for waiting. We've refunded the delivery fee.", "We've refunded"),
        ("Thanks Sam, we'll look into this right away.", "we'll look"),
        ("Thanks! Here's how to change the address.", "Here's how"),
        ("Gracias. ¿Podrías enviarnos el número de pedido?", "Podrías"),
        ("Thanks. Please DM me your account info and I'll help. -GR", "Please DM"),
        ("Thanks Jo! Is there anything else we can do?", "anything else we can"),
        ("Thanks! You can request a call back here.", "You can request"),
    ],
)
def test_a_concrete_next_step_passes(text: str, found: str) -> None:
    verdict = check(text, "solution")
    assert verdict.ok
    assert verdict.why.startswith("“") and found in verdict.why


def test_a_question_to_the_customer_is_a_next_step() -> None:
    verdict = check("Thanks Ana. Which address did you pick at checkout?", "solution")
    assert verdict.ok
    assert verdict.why == "asks the customer a question"


def test_a_link_alone_is_a_next_step() -> None:
    verdict = check(
        "Thanks Ana, sorry about this. https://help.parcelly.example/delivery", "solution"
    )
    assert verdict.ok
    assert verdict.why == "points to help by link"


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your message. Sorry to hear that.",
        "Thanks. We're trying our best.",
        "Thanks. Why would that happen?",  # a question, but not to the customer
    ],
)
def test_sympathy_without_a_step_fails(text: str) -> None:
    verdict = check(text, "solution")
    assert not verdict.ok
    assert verdict.why == "no next step, question or link for the customer"


# --- not_defensive --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("As we already said, refunds take 10 days.", "As we already said"),
        ("You should have checked the address before ordering.", "You should have"),
        ("Per our policy, parcels are left with a neighbour.", "Per our policy"),
        ("Unfortunately that's our policy.", "Unfortunately that's our policy"),
        ("Our terms clearly state the fee is non-refundable.", "Our terms clearly"),
        ("Obviously the tracking page says it was delivered.", "Obviously"),
        ("This looks like user error on your side.", "user error"),
        ("As previously stated, we cannot change that.", "As previously stated"),
        ("Good luck with that.", "Good luck with that"),
    ],
)
def test_blame_lectures_and_sarcasm_fail(text: str, quoted: str) -> None:
    verdict = check(text, "not_defensive")
    assert not verdict.ok
    assert verdict.why == f"“{quoted}”"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Como ya le dijimos, el pedido salió a tiempo.", "Como ya le dijimos"),
        ("No es nuestra culpa que el correo tarde.", "No es nuestra culpa"),
        ("Comme nous l’avons déjà dit, le colis est parti.", "Comme nous l’avons déjà dit"),
        ("Ce n'est pas notre faute si le transporteur tarde.", "Ce n'est pas notre faute"),
        ("Wie bereits gesagt, das Paket ist unterwegs.", "Wie bereits gesagt"),
        ("Das ist nicht unsere Schuld.", "nicht unsere Schuld"),
        ("Como já dissemos, o pedido foi enviado.", "Como já dissemos"),
        ("Come già detto, il pacco è partito.", "Come già detto"),
        ("È colpa tua se l'indirizzo era sbagliato.", "È colpa tua"),
        ("Zoals eerder gezegd, het pakket is onderweg.", "Zoals eerder gezegd"),
    ],
)
def test_blame_in_other_languages_fails(text: str, quoted: str) -> None:
    verdict = check(text, "not_defensive")
    assert not verdict.ok and verdict.why == f"“{quoted}”"


@pytest.mark.parametrize(
    "text",
    [
        "¡Gracias por escribirnos! Lo sentimos: ¿nos envías el número de pedido por DM?",
        "Merci pour votre message ! Pouvez-vous nous écrire en DM avec le numéro de commande ?",
        "Danke für die Nachricht! Schicken Sie uns bitte die Bestellnummer per DM.",
        "Obrigado pelo contato! Pode nos mandar o número do pedido por DM?",
        "Grazie per averci scritto! Puoi inviarci il numero d'ordine in DM?",
        "Bedankt voor je bericht! Kun je ons het ordernummer sturen via DM?",
        "Come possiamo aiutarti? Il pacco arriva domani.",
    ],
)
def test_friendly_replies_in_other_languages_stay_human_and_not_defensive(text: str) -> None:
    assert check(text, "not_defensive").ok and check(text, "human").ok


def test_a_plain_apology_is_not_defensive() -> None:
    verdict = check("Thanks, and sorry: that should not have happened. DM us?", "not_defensive")
    assert verdict.ok


# --- human ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Dear valued customer, thank you for contacting us.",
        "We apologize for any inconvenience this may have caused.",
        "Your message is important to us.",
        "Please be advised that deliveries are delayed.",
        "This is an automated response.",
        "Estimado cliente, gracias por contactarnos.",
        "Cher client, nous vous prions de nous excuser pour la gêne occasionnée.",
        "Sehr geehrter Kunde, wir bitten um Ihr Verständnis.",
        "Prezado cliente, lamentamos o transtorno.",
        "Gentile cliente, ci scusiamo per il disagio.",
        "Geachte klant, dit is een automatisch bericht.",
    ],
)
def test_robotic_boilerplate_fails(text: str) -> None:
    verdict = check(text, "human")
    assert not verdict.ok
    assert verdict.why.startswith("boilerplate “") and verdict.why.endswith("”")


def test_shouting_fails_but_acronyms_and_handles_do_not() -> None:
    shouting = check("THANKS FOR WAITING, WE ARE LOOKING INTO YOUR ORDER NOW", "human")
    assert not shouting.ok
    assert "capital" in shouting.why
    calm = check(
        "Thanks @PARCELLY_FAN! DM us your USPS or UPS tracking ID and we'll check the ETA "
        "https://help.parcelly.example/DELIVERY",
        "human",
    )
    assert calm.ok, calm.why


def test_a_copy_of_a_recent_reply_fails_and_a_fresh_one_passes() -> None:
    recent = [GOOD.replace("Maria", "Tom"), "Thanks! We've refunded your order."]
    copy = check(GOOD, "human", previous_replies=recent)
    assert not copy.ok
    assert "copy" in copy.why
    exact = check("thanks!  We've REFUNDED your order", "human", previous_replies=recent)
    assert not exact.ok
    fresh = check(
        "Thanks Maria! We've asked the courier to redeliver tomorrow morning.",
        "human",
        previous_replies=recent,
    )
    assert fresh.ok


# --- link -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ending",
    [
        "https://help.parcelly.example/delivery",
        "https://help.parcelly.example/delivery/",
        "https://help.parcelly.example/delivery.",
        "https://help.parcelly.example/delivery 🙏",
        "https://help.parcelly.example/delivery ^JS",
        "https://help.parcelly.example/delivery — Ana",
        "https://help.parcelly.example/delivery *TAC",
        "https://help.parcelly.example/",  # the general page fits every topic
    ],
)
def test_ending_with_the_topic_or_general_link_passes(ending: str) -> None:
    verdict = check(f"Thanks! DM us the tracking number: {ending}", "link")
    assert verdict.ok, verdict.why


def test_a_link_outside_the_allowlist_fails_and_names_it() -> None:
    verdict = check("Thanks! See https://evil.example/login https://help.parcelly.example/", "link")
    assert not verdict.ok
    assert verdict.why == "https://evil.example/login is not in links.yaml"


def test_no_link_fails_when_the_topic_has_one() -> None:
    verdict = check("Thanks! DM us the tracking number.", "link", topic="delivery")
    assert not verdict.ok
    assert verdict.why == "missing: end with https://help.parcelly.example/delivery"
    unknown_topic = check("Thanks! DM us.", "link", topic="weather")
    assert unknown_topic.why == "missing: end with https://help.parcelly.example/"


def test_no_link_passes_when_the_book_has_nothing_for_the_topic() -> None:
    result = lint("Thanks! DM us.", network=Network.X, links=LinkBook(), topic="delivery")
    assert result.checks[RULES.index("link")].ok


def test_text_after_the_link_fails_and_another_allowlisted_page_is_a_hint() -> None:
    after = check("Thanks! https://help.parcelly.example/delivery Let us know.", "link")
    assert not after.ok
    assert after.why == "text after https://help.parcelly.example/delivery: end with the link"
    other = check("Thanks! DM us. https://help.parcelly.example/refund", "link")
    assert other.ok
    assert other.why == (
        "ends with https://help.parcelly.example/refund "
        "(the delivery page fits better: https://help.parcelly.example/delivery)"
    )


def test_the_link_rule_is_one_function_any_allowlisted_page_passes() -> None:
    general = check_link("Thanks! DM us. https://help.parcelly.example/", BOOK, "delivery")
    assert general.ok and "fits better" in general.why
    for url in BOOK.topics.values():  # careops lint without --topic: topic "general"
        assert check_link(f"Thanks, DM us. {url}", BOOK).ok
    assert not check_link("Thanks. https://evil.example/x", BOOK).ok
    assert not check_link("Thanks, DM us.", BOOK, "delivery").ok
    assert check_link("Thank you so much!", BOOK, "delivery", needs_link=False).ok


# --- length ---------------------------------------------------------------------------


def test_length_says_used_and_limit() -> None:
    verdict = check(GOOD, "length")
    assert verdict.ok
    assert verdict.why == f"{measure(GOOD, Network.X)}/280 characters"
    too_long = check("Thanks! " + "a" * 300, "length", network=Network.X)
    assert not too_long.ok
    assert too_long.why == "308/280 characters"


@pytest.mark.parametrize(
    ("text", "x_count"),
    [
        ("hello", 5),
        ("https://help.parcelly.example/a/very/long/path/that/is/longer/than/23", 23),
        ("see https://a.example/x.", 4 + 23 + 1),
        ("日本語", 6),  # CJK weighs 2
        ("😀", 2),  # an emoji weighs 2
        ("👩‍👩‍👧‍👦", 2),  # a ZWJ family is one emoji
        ("🇫🇷", 2),  # a flag is one emoji
        ("👍🏽", 2),  # skin tone modifier included
        ("café", 4),  # Latin-1 weighs 1
        ("cafe\u0301", 4),  # NFC: e + combining acute is one character
        ("“quoted” — dash", 15),  # general punctuation in the light ranges
    ],
)
def test_x_counts_like_x(text: str, x_count: int) -> None:
    assert measure(text, Network.X) == x_count


@pytest.mark.parametrize(
    ("text", "graphemes"),
    [
        ("hello", 5),
        ("👩‍👩‍👧‍👦", 1),
        ("🇫🇷🇩🇪", 2),
        ("👍🏽ok", 3),
        ("e\u0301", 1),
        ("a\r\nb", 3),
        ("한국어", 3),
    ],
)
def test_bluesky_counts_graphemes(text: str, graphemes: int) -> None:
    assert measure(text, Network.BLUESKY) == graphemes


def test_mastodon_counts_each_url_as_23() -> None:
    url = "https://help.parcelly.example/" + "x" * 100
    assert measure(f"Thanks! {url}", Network.MASTODON) == 8 + 23
    assert measure("👩‍👩‍👧‍👦", Network.MASTODON) == 1


def test_limits_are_the_networks() -> None:
    assert LIMITS == {
        Network.X: 280,
        Network.BLUESKY: 300,
        Network.MASTODON: 500,
        Network.THREADS: 500,
        Network.FACEBOOK: 8000,
        Network.INSTAGRAM: 2200,
    }


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello", 5),
        ("👍", 4),  # an emoji counts its UTF-8 bytes
        ("❤️", 6),  # U+2764 U+FE0F: 3 + 3 bytes
        ("👍🏽ok", 10),  # thumbs up with a skin tone: 4 + 4 bytes, then two letters
        ("🇫🇷", 8),
        ("e\u0301", 2),  # characters are code points
        ("한국어", 3),
    ],
)
def test_threads_counts_characters_and_each_emoji_as_its_utf8_bytes(text: str, length: int) -> None:
    assert measure(text, Network.THREADS) == length


def test_threads_counts_links_in_full_and_a_reply_at_the_limit_fits() -> None:
    url = "https://help.parcelly.example/" + "x" * 100
    assert measure(f"Thanks! {url}", Network.THREADS) == 8 + len(url)
    at_limit = "a" * 496 + "👍"
    assert measure(at_limit, Network.THREADS) == 500
    draft = lint(at_limit, network=Network.THREADS, links=BOOK, topic="delivery")
    assert next(c for c in draft.checks if c.rule == "length").ok
    over = lint(at_limit + "!", network=Network.THREADS, links=BOOK, topic="delivery")
    assert not next(c for c in over.checks if c.rule == "length").ok


def test_comments_count_code_points() -> None:
    assert measure("👩‍👩‍👧‍👦 ok", Network.FACEBOOK) == 10
    assert measure("e\u0301", Network.INSTAGRAM) == 2


# --- LinkBook and text helpers --------------------------------------------------------


def test_linkbook_falls_back_to_general_and_tolerates_slashes() -> None:
    assert BOOK.url_for("refund") == HELP + "refund"
    assert BOOK.url_for("billing") == HELP
    assert BOOK.allows("https://help.parcelly.example")
    assert BOOK.allows("https://HELP.parcelly.example/refund/).")
    assert not BOOK.allows("https://help.parcelly.example/refund?next=evil")
    assert not BOOK.allows("http://help.parcelly.example/refund")
    assert LinkBook().url_for("general") is None


@pytest.mark.parametrize(
    "mapping",
    [{"general": "ftp://help.parcelly.example/"}, {"general": "help.parcelly.example"}, {"": HELP}],
)
def test_linkbook_refuses_what_is_not_an_http_url(mapping: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="topic"):
        LinkBook.from_mapping(mapping)


def test_urls_and_handles_are_extracted() -> None:
    text = (
        "Hi @maria_g and @ana.bsky.social, cc @ops@mastodon.social: see "
        "https://help.parcelly.example/delivery. (https://en.wikipedia.org/wiki/Parcel_(post)) "
        "mail care@parcelly.example or https://mastodon.social/@parcelly"
    )
    assert urls_in(text) == [
        "https://help.parcelly.example/delivery",
        "https://en.wikipedia.org/wiki/Parcel_(post)",
        "https://mastodon.social/@parcelly",
    ]
    assert handles_in(text) == ["maria_g", "ana.bsky.social", "ops@mastodon.social"]


# --- how the card reads ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        "As we already said, read the FAQ.",
        "DEAR VALUED CUSTOMER, WE ARE LOOKING INTO IT https://evil.example/x",
        "Thanks! https://help.parcelly.example/delivery Let us know.",
    ],
)
def test_each_why_completes_its_card_label_without_repeating_it(text: str) -> None:
    """Cards read "<label>: <why>", so a why that restates the label reads twice."""
    from bot.core.labels import RULE_LABELS

    for c in lint(text, network=Network.X, links=BOOK, topic="delivery").checks:
        label = RULE_LABELS[c.rule]
        assert label.lower() not in c.why.lower(), (label, c.why)
        assert not c.why.lower().startswith((c.rule, "thanks the", "sounds", "fits")), c.why


def test_a_passing_reply_reads_well_on_a_card() -> None:
    checks = {c.rule: c for c in lint(GOOD, network=Network.X, links=BOOK, topic="delivery").checks}
    assert checks["length"].why == f"{measure(GOOD, Network.X)}/280 characters"
    assert checks["not_defensive"].why == "no blame, lecture or sarcasm"
    assert checks["human"].why == "no boilerplate, shouting or copy"
    assert checks["link"].why.startswith("ends with https://help.parcelly.example/")
