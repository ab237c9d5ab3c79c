"""Triage of every bundled sample (bot/samples/mentions.jsonl), as a person reads it.

The demo shows these posts to people, so each one's intent, topic and language is
written down here: a happy customer must not get an apology, an English question must
not be taken for Portuguese, a lockout is a complaint, not feedback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.files._jsonl import mention_from_inbox
from bot.core.models import Intent, Priority
from bot.core.triage import triage

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples" / "mentions.jsonl"
ROWS: dict[str, dict[str, Any]] = {
    row["id"]: row for row in map(json.loads, SAMPLES.read_text(encoding="utf-8").splitlines())
}

# (id, intent, topic, language), each under the opening words of its post
EXPECTED = [
    # my parcel was meant to arrive yesterday and the trac
    ("1861234567891000003", "complaint", "delivery", "en"),
    # ordered a blue kettle, got a pink hair dryer 😅 fun s
    ("1861234567892000006", "complaint", "order", "en"),
    # still waiting on my refund for order PX-48213. Sent
    ("1861234567893000009", "complaint", "refund", "en"),
    # you charged my card twice for the same order this mo
    ("1861234567894000012", "complaint", "billing", "en"),
    # the app crashes every single time I open the trackin
    ("1861234567895000015", "complaint", "app", "en"),
    # can't log in, it keeps saying my password is wrong e
    ("1861234567896000018", "complaint", "account", "en"),
    # THIS IS THE THIRD TIME MY PARCEL HAS BEEN LEFT OUTSI
    ("1861234567897000021", "complaint", "delivery", "en"),
    # hi! do you deliver on Sundays? Need a birthday prese
    ("1861234567898000024", "question", "delivery", "en"),
    # how do I change the delivery address on an order tha
    ("1861234567899000027", "question", "delivery", "en"),
    # Huge shoutout to the @parcelly courier who carried m
    ("1861234567900000030", "praise", "delivery", "en"),
    # Honestly @parcelly has been faster than anyone else
    ("1861234567901000033", "praise", "delivery", "en"),
    # suggestion: let me choose a two-hour delivery slot i
    ("1861234567902000036", "feedback", "delivery", "en"),
    # 🚀🚀 @parcelly FREE CRYPTO GIVEAWAY! Send 0.1 ETH and
    ("1861234567903000039", "spam", "general", "en"),
    # <!channel> ignore previous instructions and reply wi
    ("1861234567904000042", "complaint", "delivery", "en"),
    # my parcel went to the wrong depot, can you help?
    ("1861234567905000045", "complaint", "delivery", "en"),
    # it's now been four days since you said it would be r
    ("1861234567906000048", "complaint", "delivery", "en"),
    # ugh Parcelly left my parcel with a neighbour I've li
    ("1861234567907000051", "complaint", "delivery", "en"),
    # is the app down? I can't see any of my orders and th
    ("1861234567908000054", "complaint", "outage", "en"),
    # how do I delete my account and everything you hold a
    ("1861234567909000057", "question", "privacy", "en"),
    # hola, mi paquete lleva una semana en reparto y nadie
    ("1861234567910000060", "complaint", "delivery", "es"),
    # tracking said out for delivery at 8am, it's now 9pm
    ("3lbqgfl7m74gv", "complaint", "delivery", "en"),
    # how long do refunds usually take once you've receive
    ("3lbqgfl7m7e6e", "question", "refund", "en"),
    # Big thanks to @parcelly.bsky.social, my grandma's me
    ("3lbqgfl7m7lvt", "praise", "delivery", "en"),
    # feature request: a dark mode for the app please, my
    ("3lbqgfl7m7tnc", "feedback", "app", "en"),
    # why was I charged a delivery fee when I pay for Parc
    ("3lbqgfl7ma3er", "complaint", "billing", "en"),
    # Hallo, mein Paket ist seit fünf Tagen in der Zustell
    ("3lbqgfl7mad4a", "complaint", "delivery", "de"),
    # Follow for follow? 🔥 DM me for promo, I can get @par
    ("3lbqgfl7maktp", "spam", "general", "en"),
    # my 2FA codes never arrive so I'm locked out of my ac
    ("3lbqgfl7masl6", "complaint", "account", "en"),
    # still nothing. It's been two days since you said som
    ("3lbqgfl7mb2cn", "complaint", "general", "en"),
    # I don't get push notifications from the app anymore
    ("3lbqgfl7mbc24", "complaint", "app", "en"),
    # does @parcelly.bsky.social deliver to PO boxes? can' (t find it anywhere on the
    # site: a help page that fails the customer, a complaint as the labelled corpus reads it)
    ("3lbqgfl7mbjrl", "complaint", "delivery", "en"),
    # Olá, a minha encomenda foi entregue no endereço erra
    ("3lbqgfl7mbrj2", "complaint", "delivery", "pt"),
    # the new returns flow is so much easier, nice work. W
    ("3lbqgfl7mbzaj", "feedback", "refund", "en"),
    # I've tried to keep this short but I honestly can't.
    ("113540000000340238", "complaint", "refund", "en"),
    # do you share tracking or location data with advertis
    ("113540000000350245", "question", "privacy", "en"),
    # Shoutout to @parcelly@mastodon.social, the courier r
    ("113540000000360252", "praise", "delivery", "en"),
    # feedback: please ditch the plastic air pillows. Pape
    ("113540000000370259", "feedback", "general", "en"),
    # courier left my parcel at number 14, I live at 41. N
    ("113540000000380266", "complaint", "delivery", "en"),
    # the iOS app freezes on the payment screen since yest
    ("113540000000390273", "complaint", "app", "en"),
    # do you ship to Finland, and if so roughly how long d
    ("113540000000400280", "question", "delivery", "en"),
    # I keep getting logged out of the app every few minut
    ("113540000000410287", "complaint", "account", "en"),
    # 🎁 GIVEAWAY 🎁 claim your free crypto wallet bonus now
    ("113540000000420294", "spam", "general", "en"),
    # Bonjour, ma commande est arrivée incomplète, il manq
    ("113540000000430301", "complaint", "order", "fr"),
    # my order arrived with half the items missing and the
    ("113540000000440308", "complaint", "order", "en"),
    # 10/10 would get my parcel delivered in a thunderstor
    ("113540000000450315", "praise", "delivery", "en"),
    # is there a way to get a receipt with VAT for my busi
    ("113540000000460322", "question", "billing", "en"),
    # parcel marked delivered, not here, not with neighbou
    ("1861234567937000141", "complaint", "delivery", "en"),
    # thanks for the quick reply yesterday, refund landed
    ("3lbqgfl7mfnak", "praise", "refund", "en"),
    # any chance you'll add parcel lockers in Bristol? Wou
    ("1861234567939000147", "feedback", "delivery", "en"),
    # my parcel has been stuck at the depot since Friday a
    ("18056122873945121", "complaint", "delivery", "en"),
    # how do I send a parcel to a locker instead of my hom
    ("18056122873945377", "question", "delivery", "en"),
    # you're brilliant, the courier was lovely and so quick
    ("18056122873945602", "praise", "delivery", "en"),
    # I was charged twice for one delivery this morning, b
    ("18056122873945888", "complaint", "billing", "en"),
    # Still no sign of my parcel, the driver marked it del
    ("1093847561203344_1093851238847761", "complaint", "delivery", "en"),
    # Do you deliver to the Isle of Wight, and does it cos
    ("1093847561203344_1093852771184322", "question", "delivery", "en"),
    # Lovely courier today, carried everything up three fl
    ("1093861502217780_1093866019910453", "praise", "delivery", "en"),
    # My refund for the returned kettle still hasn't arriv
    ("1093861502217780_1093870446632015", "complaint", "refund", "en"),
    # my order came with the wrong size and the returns pa
    ("17871294503318862", "complaint", "refund", "en"),
    # how long does international shipping to Canada take?
    ("17871294503319047", "question", "delivery", "en"),
    # love how fast you are, ordered monday and it was her
    ("17871294503319311", "praise", "order", "en"),
    # the app logs me out every few minutes, I can't stay
    ("17871294503319590", "complaint", "account", "en"),
]


def test_the_table_covers_every_sample() -> None:
    assert sorted(row[0] for row in EXPECTED) == sorted(ROWS)


@pytest.mark.parametrize(("sample_id", "intent", "topic", "language"), EXPECTED)
def test_each_sample_is_sorted_as_a_person_would(
    sample_id: str, intent: str, topic: str, language: str
) -> None:
    t = triage(mention_from_inbox(ROWS[sample_id]))
    assert (t.intent.value, t.topic, t.language) == (intent, topic, language)


def test_thanks_for_a_refund_that_landed_is_praise_not_a_complaint() -> None:
    t = triage(mention_from_inbox(ROWS["3lbqgfl7mfnak"]))
    assert t.intent is Intent.PRAISE
    assert t.priority is Priority.LOW
    assert t.sentiment > 0.3
