"""Wow moments: the four kinds the issue names, and none on a complaint, a risk, in a
crisis or for spam (precision first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import CaseState, Intent, Network
from bot.core.people import Contacts, History, PastCase, Person
from bot.core.triage import triage
from bot.core.wow import WowKind, detect
from tests.conftest import make_mention

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NEW = History(Person(Network.X, "maria_g"))


def wow_of(text: str, history: History = NEW, crisis: bool = False):
    mention = make_mention("1", text, now=NOW)
    return detect(mention, triage(mention), history, NOW, crisis=crisis)


def history(*cases: PastCase) -> History:
    return History(NEW.person, Contacts(len(cases), None, cases))


def past(days: float, intent: Intent, state=CaseState.PUBLISHED, topic="delivery") -> PastCase:
    return PastCase("x:0", Network.X, NOW - timedelta(days=days), state, intent, topic, 600.0)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("@parcelly the cake arrived just in time for my daughter's birthday, thank you!",
         "birthday"),
        ("Our wedding favours came today and they look perfect @parcelly", "wedding"),
        ("@parcelly we just had a baby and your driver carried the pram upstairs ❤️",
         "new baby"),
        ("Placed my very first order with @parcelly today, excited!", "first order"),
        ("Ten years as a customer this week @parcelly and still the best", "anniversary with us"),
    ],
)  # fmt: skip
def test_milestones_in_warm_posts_are_moments(text: str, why: str) -> None:
    found = wow_of(text)
    assert found is not None and (found.kind, found.why) == (WowKind.MILESTONE, why)


@pytest.mark.parametrize(
    "text",
    [
        "@parcelly my daughter's birthday present is three days late and nobody answers",
        "@parcelly you lost my wedding dress. I want a refund now!!!",
        "Great job ruining my birthday @parcelly 🙄",
        "@parcelly the courier was rude and shouted at me on my birthday, I'm calling a lawyer",
    ],
)
def test_a_milestone_in_a_complaint_is_no_moment(text: str) -> None:
    assert wow_of(text) is None


def test_thanks_that_says_the_case_was_put_right_is_a_moment() -> None:
    text = "@parcelly thank you so much, the parcel finally came!"
    found = wow_of(text, history(past(2, Intent.COMPLAINT)))
    assert found is not None and found.kind is WowKind.THANKS_AFTER_SOLVED
    assert found.why == "thanks 2 days after their delivery case"
    alone = wow_of(text)  # the case careops never saw: the post says it was solved
    assert alone is not None and alone.why == "thanks: their problem was put right"
    stale = wow_of(text, history(past(30, Intent.COMPLAINT)))
    assert stale is not None and stale.why == "thanks: their problem was put right"


@pytest.mark.parametrize(
    "text",
    [
        "@parcelly thank you so much!",  # thanks alone, even right after an answer: precision
        "@parcelly ok thanks, just sent the DM",
        "@parcelly never mind, I figured it out, thanks",  # they put it right themselves
        "@parcelly thanks, has it arrived yet?",
    ],
)
def test_thanks_alone_or_for_what_the_customer_did_is_no_moment(text: str) -> None:
    assert wow_of(text, history(past(1, Intent.COMPLAINT))) is None


def test_a_loyal_customer_is_one_with_several_earlier_praise_posts() -> None:
    text = "@parcelly love how quick you are"
    praise = [past(d, Intent.PRAISE, topic="general") for d in (20, 40, 60)]
    found = wow_of(text, history(*praise))
    assert found is not None and (found.kind, found.why) == (
        WowKind.LOYAL,
        "praised us in 3 earlier weeks",
    )
    assert wow_of(text, history(*praise[:2])) is None
    one_chat = [past(2 + h / 24, Intent.PRAISE, topic="general") for h in range(5)]
    assert wow_of(text, history(*one_chat)) is None  # loyalty shows over weeks
    complaint = "@parcelly my parcel is late again, where is it?"
    assert wow_of(complaint, history(*praise)) is None


def test_a_rough_day_over_something_small_is_a_moment() -> None:
    found = wow_of("Long day at work. Long flight. Really appreciate the free drinks tonight"
                   " @parcelly")  # fmt: skip
    assert found is not None and found.kind is WowKind.BAD_DAY


@pytest.mark.parametrize(
    "text",
    [
        "Worst day ever and now my parcel went to the neighbour @parcelly 😩",  # a complaint
        "Worst day ever, you charged my card twice and I want a refund @parcelly",  # money
        "Worst day ever, the app is down again and I can't log in @parcelly",  # outage
        "Terrible day. I want to end my life @parcelly",  # a risk: a person, not a gift
        "WORST DAY EVER YOUR DRIVER SMASHED MY PARCEL!!!",  # angry
    ],
)
def test_a_rough_day_with_money_an_outage_a_risk_or_anger_is_no_moment(text: str) -> None:
    assert wow_of(text) is None


def test_a_post_to_many_accounts_at_once_is_no_moment() -> None:
    text = "@a @b @c @d @parcelly it's my birthday and the cake came early, thank you!"
    assert wow_of(text) is None
    assert wow_of(text.replace("@a @b @c @d ", "")) is not None


def test_nothing_is_a_moment_in_a_crisis_or_in_spam() -> None:
    assert wow_of("Happy birthday to me, thanks @parcelly!", crisis=True) is None
    assert wow_of("Happy birthday! Win a free iPhone, click to enter the giveaway") is None
