"""What X charges: which replies count as "with URL", prices, and the spend summary."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.x_costs import XPrices, budget_line, carries_url, money, spend_markdown, x_spend


@pytest.mark.parametrize(
    "text",
    [
        "Thanks! https://help.parcelly.example/track",
        "Thanks! http://t.co/AbC123",
        "Thanks!https://t.co/AbC123",  # no space before it
        "Thanks! HTTPS://HELP.PARCELLY.EXAMPLE",
        "Everything is on parcelly.com/help",
        "Everything is on parcelly.com.",
        "See status.parcelly.help for updates",
        "Try parcelly.co",
        "Try parcelly.de/hilfe",
    ],
)
def test_a_link_anywhere_makes_a_post_with_url(text: str) -> None:
    assert carries_url(text)
    assert XPrices().reply(text) == 0.2


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for telling us! DM us your order number and we'll sort it today.",
        "Thanks.So sorry, e.g. the U.S. parcel, i.e. order no.5 at 9 a.m.",
        "Write to help@parcelly.com and we'll answer",  # an e-mail address is not linked
        "Version 2.5 fixed it, Mr.Smith",
        "Look for https:// in the address bar",
    ],
)
def test_text_without_a_link_is_a_plain_post(text: str) -> None:
    assert not carries_url(text)
    assert XPrices().reply(text) == 0.015


@given(st.text(alphabet=st.characters(blacklist_characters=":/."), max_size=200))
def test_text_with_no_dot_colon_or_slash_never_carries_a_url(text: str) -> None:
    assert not carries_url(text)


def test_prices_come_from_the_operating_file_and_default_to_xs_list() -> None:
    assert XPrices() == XPrices(post=0.015, post_with_url=0.2, post_read=0.005, user_read=0.01)
    assert XPrices.from_config({"post_with_url": 0.25}).reply("see https://a.example/b") == 0.25
    assert XPrices().per("read") == 0.005  # post reads as earlier versions stored them


def test_spend_per_day_per_reply_and_month_to_date() -> None:
    rows = [
        ("2026-10-31", "post_url", 10, 2.0),  # last month: only in the days asked for
        ("2026-11-01", "post_url", 280, 56.0),
        ("2026-11-01", "post", 20, 0.3),
        ("2026-11-01", "post_read", 900, 4.5),
        ("2026-11-01", "user_read", 300, 3.0),
        ("2026-11-01", "requests", 1500, 0.0),
        ("2026-11-02", "read", 100, 0.5),  # an earlier version's post reads
    ]
    spend = x_spend(rows, since=date(2026, 10, 31), today=date(2026, 11, 2), monthly_budget=300)
    assert [d.day for d in spend.days] == ["2026-10-31", "2026-11-01", "2026-11-02"]
    first = spend.days[1]
    assert (first.replies, first.with_link) == (300, 280)
    assert (first.post_reads, first.user_reads) == (900, 300)
    assert first.cost == pytest.approx(63.8)
    assert first.per_reply == pytest.approx(63.8 / 300)
    assert spend.days[2].per_reply is None and spend.days[2].post_reads == 100
    assert spend.month == "2026-11" and spend.month_to_date == pytest.approx(64.3)
    assert spend.total.replies == 310 and spend.total.cost == pytest.approx(66.3)
    assert budget_line(spend) == "2026-11 to date: $64.30 of $300.00 budget (21%)"
    table = spend_markdown(spend)
    assert "| 2026-11-01 | 300 | 280 | 900 | 300 | $63.80 | $0.21 |" in table
    assert "| **total** | 310 |" in table


def test_no_budget_and_no_use_say_so() -> None:
    spend = x_spend([], since=date(2026, 11, 1), today=date(2026, 11, 2), monthly_budget=None)
    assert budget_line(spend) == "2026-11 to date: $0.00 (no monthly budget set)"
    assert "| – | 0 |" in spend_markdown(spend)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.2, "$0.20"), (0.015, "$0.015"), (0.005, "$0.005"), (63.8, "$63.80"), (1800, "$1,800.00")],
)
def test_money_shows_what_a_reply_costs(value: float, shown: str) -> None:
    assert money(value) == shown
