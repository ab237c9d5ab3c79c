"""X's link policy: the reply without its link, the choice, the budget guard, one notice,
and the outbox keeping the variant it decided on through retries and a crash."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.link_policy import (
    NOTICE_KEY,
    LinkPolicy,
    XLinkGuard,
    XLinkRules,
    choose,
    without_link,
)
from bot.core.models import Network, OutboxState
from bot.core.publishing import PublishingService
from bot.core.rules import LIMITS, measure
from bot.core.x_costs import carries_url
from tests.core.test_publishing import approved_case
from tests.fakes.core_fakes import FakeNetwork

WORDS = "You'll find more in the Help section of our website."
LINKED = "Thanks for flagging this, Ana! We're on it. More here: https://help.parcelly.example/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LINKED, f"Thanks for flagging this, Ana! We're on it. {WORDS}"),
        ("So sorry about the wait! Updates at https://status.parcelly.example/", None),
        ("Thanks, we refunded it, details: https://help.parcelly.example/refund", None),
        ("Thanks! All on parcelly.com/help.", None),
        ("Thanks! Check https://t.co/AbC123 and tell us if it works.", None),
    ],
)
def test_the_variant_has_no_link_and_says_where_help_is(text: str, expected: str | None) -> None:
    variant = without_link(text, WORDS)
    assert not carries_url(variant)
    assert variant.endswith(WORDS) and variant.startswith(text[:6])
    assert ":" not in variant and "  " not in variant
    if expected is not None:
        assert variant == expected


def test_without_words_the_variant_just_loses_the_link() -> None:
    assert without_link(LINKED) == "Thanks for flagging this, Ana! We're on it."
    assert without_link("Thanks! DM us your order number.", WORDS) == (
        "Thanks! DM us your order number."
    )  # nothing to take out: unchanged, no words added


def test_the_words_are_left_out_when_they_would_not_fit_on_x() -> None:
    long = "Thanks! " + "We are so sorry about this. " * 8 + "Help: https://help.parcelly.example/"
    variant = without_link(long, WORDS)
    assert not variant.endswith(WORDS) and measure(variant, Network.X) <= LIMITS[Network.X]


@given(st.text(max_size=120), st.sampled_from(["https://help.parcelly.example/a", "t.co/x1"]))
def test_any_reply_loses_every_link(before: str, link: str) -> None:
    variant = without_link(f"{before} {link}", WORDS)
    assert not carries_url(variant) or carries_url(before.replace("\x00", ""))


TODAY = date(2026, 11, 3)


@pytest.mark.parametrize(
    ("rules", "spent", "keep", "period"),
    [
        (XLinkRules(), (500.0, 5000.0), True, ""),  # always, no budget: links
        (XLinkRules(LinkPolicy.NEVER), (0.0, 0.0), False, ""),
        (XLinkRules(monthly_budget=300), (10.0, 299.80), True, ""),  # exactly fits
        (XLinkRules(monthly_budget=300), (10.0, 299.81), False, "month 2026-11"),
        (XLinkRules(LinkPolicy.BUDGET, daily_budget=20), (19.8, 100.0), True, ""),
        (XLinkRules(LinkPolicy.BUDGET, daily_budget=20), (19.81, 100.0), False, "day 2026-11-03"),
        (XLinkRules(daily_budget=20), (500.0, 500.0), True, ""),  # a daily budget needs `budget`
    ],
)
def test_choose_keeps_the_link_until_a_budget_would_be_passed(
    rules: XLinkRules, spent: tuple[float, float], keep: bool, period: str
) -> None:
    choice = choose(rules, LINKED, TODAY, spent)
    assert (choice.keep_link, choice.period) == (keep, period)


def test_a_reply_without_a_link_is_never_changed() -> None:
    assert choose(XLinkRules(LinkPolicy.NEVER), "Thanks! DM us.", TODAY, (0, 1e9)).keep_link


@dataclass
class Settings:
    values: dict[str, str] = field(default_factory=dict)

    def get_setting(self, key: str) -> str | None:
        return self.values.get(key)

    def set_setting(self, key: str, value: str) -> None:
        self.values[key] = value


@dataclass
class Channel:
    said: list[str] = field(default_factory=list)
    down: bool = False

    def __call__(self, text: str) -> None:
        if self.down:
            raise ConnectionError("slack down")
        self.said.append(text)


def test_the_budget_guard_sends_without_link_and_tells_the_channel_once(store, clock):
    spent = [0.0]
    channel, told = Channel(), Settings()
    rules = XLinkRules(monthly_budget=1.0)
    guard = XLinkGuard(rules, lambda: (spent[0], spent[0]), told, clock, notify=channel)
    network = FakeNetwork()
    service = PublishingService(store, {Network.X: network}, clock, prepare=guard.prepare)
    for n in range(8):
        case, draft = approved_case(store, clock, external_id=str(2000 + n))
        service.enqueue(case, draft.evolve(text=LINKED))
        [outcome] = service.publish_pending()
        spent[0] += rules.prices.reply(outcome.item.text)  # what the meter would add
    links = [carries_url(text) for text in network.texts()]
    assert links == [True] * 5 + [False] * 3  # 5 x $0.20 is $1.00; a sixth would pass it
    assert len(channel.said) == 1 and "monthly X budget $1.00 reached" in channel.said[0]
    assert told.values[NOTICE_KEY] == "month 2026-11"
    audit = store.audit("x:2007")
    assert any("sent without its link (monthly X budget $1.00 reached)" in a.detail for a in audit)


def test_a_notice_slack_refused_is_said_with_a_later_reply(store, clock):
    channel, told = Channel(down=True), Settings()
    guard = XLinkGuard(XLinkRules(monthly_budget=0.1), lambda: (0.0, 0.0), told, clock, channel)
    network = FakeNetwork()
    service = PublishingService(store, {Network.X: network}, clock, prepare=guard.prepare)
    for n, down in enumerate((True, False, False)):
        channel.down = down
        case, draft = approved_case(store, clock, external_id=str(3000 + n))
        service.enqueue(case, draft.evolve(text=LINKED))
        service.publish_pending()
    assert len(network.posts) == 3 and not any(map(carries_url, network.texts()))
    assert len(channel.said) == 1


def test_the_decided_variant_survives_a_retry_and_a_crash(store, clock):
    """Decided once, saved before the call: a retry sends the same text even when the
    budget has room again, and reconcile compares against the text actually sent."""
    spent = [0.0, 5.0]
    guard = XLinkGuard(XLinkRules(monthly_budget=5.0), lambda: (0.0, spent[-1]), Settings(), clock)
    network = FakeNetwork(fail_next=[ConnectionError("reset")])
    service = PublishingService(store, {Network.X: network}, clock, prepare=guard.prepare)
    case, draft = approved_case(store, clock)
    service.enqueue(case, draft.evolve(text=LINKED))
    [first] = service.publish_pending()
    assert first.item.state is OutboxState.PENDING and not carries_url(first.item.text)
    spent.pop()  # the month has room again: the stored decision still stands
    [second] = service.publish_pending()
    assert second.published and network.texts() == [first.item.text]
    # a crash after the row was saved as publishing, before the network answered:
    case2, draft2 = approved_case(store, clock, external_id="1002")
    item = service.enqueue(case2, draft2.evolve(text=LINKED))
    sending = guard.prepare(item).evolve(state=OutboxState.PUBLISHING, attempts=1)
    store.save_outbox(sending)
    network.posts["r9"] = sending  # it did reach X
    [settled] = service.reconcile()
    assert settled.published and settled.item.remote_id == "r9"
    assert network.calls == 2  # nothing sent again


def test_other_networks_are_left_alone(store, clock):
    guard = XLinkGuard(XLinkRules(LinkPolicy.NEVER), lambda: (0.0, 0.0), Settings(), clock)
    case, draft = approved_case(store, clock)
    service = PublishingService(store, {}, clock)
    item = service.enqueue(case, draft.evolve(text=LINKED)).evolve(network=Network.MASTODON)
    assert guard.prepare(item) == item


def test_rules_come_from_the_operating_file() -> None:
    rules = XLinkRules.from_config(
        {"link_policy": "budget", "daily_budget": 20, "help_in_words": " Help: our website. "}
    )
    assert (rules.policy, rules.daily_budget, rules.help_in_words) == (
        LinkPolicy.BUDGET,
        20,
        "Help: our website.",
    )
    assert XLinkRules.from_config({}) == XLinkRules()


def test_the_card_on_x_says_what_sending_costs(store, clock):
    from bot.core.card import card_view
    from bot.core.sla import SlaPolicy

    case, draft = approved_case(store, clock)
    sla = SlaPolicy.from_minutes({})
    linked, plain = draft.evolve(text=LINKED), draft.evolve(text="Thanks! DM us your order.")
    view = card_view(case, linked, now=clock.now(), sla=sla, costs=XLinkRules())
    assert (view.send_costs, view.offer_without_link) == (
        "costs $0.20 (link) · $0.015 without",
        True,
    )
    view = card_view(case, plain, now=clock.now(), sla=sla, costs=XLinkRules())
    assert (view.send_costs, view.offer_without_link) == ("costs $0.015 (no link)", False)
    never = XLinkRules(LinkPolicy.NEVER)
    view = card_view(case, linked, now=clock.now(), sla=sla, costs=never)
    assert view.send_costs.startswith("goes without its link") and not view.offer_without_link
    assert card_view(case, linked, now=clock.now(), sla=sla).send_costs == ""  # no rules
