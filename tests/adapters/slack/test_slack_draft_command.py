"""`/care draft <post url>` through the signed bolt endpoint: posts careops has not taken
in are fetched from the network, drafted and shown as a card."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.adapters.mastodon import MastodonPostLookup, mastodon_client
from bot.adapters.slack._commands import _card_link
from bot.adapters.x import XMeter, XPostLookup, x_client
from bot.core.clock import FakeClock
from bot.core.models import CaseState, Mention, Network
from bot.core.post_urls import PostRef
from bot.core.x_costs import XPrices
from tests.conftest import make_mention
from tests.fakes.fake_mastodon import FakeMastodon
from tests.fakes.fake_x import FakeX, single_post
from tests.fakes.slack_requests import command_body, signed_post
from tests.fakes.slack_world import APPROVER, CHANNEL, SECRET, SlackWorld, slack_world

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"


@pytest.fixture
def instance() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock, instance: FakeMastodon) -> Iterator[SlackWorld]:
    with slack_world(tmp_path, clock) as w:
        w.care.lookups[Network.MASTODON] = MastodonPostLookup(mastodon_client(instance.url, "t"))
        yield w


def slash(world: SlackWorld, text: str, user: str = APPROVER) -> str:
    before = len(world.api.calls_to("response_url"))
    body = command_body(text, user, world.api.response_url("draft"))
    status, ack_text, seconds = signed_post(world.base_url, SECRET, body, form=True)
    assert status == 200 and ack_text == "" and seconds < 3
    world.rt.drain()
    answer = str(world.api.wait_for("response_url", before + 1)[-1].params["text"])
    if answer.startswith("Fetching that"):  # a post careops has not taken in: a second answer
        answer = str(world.api.wait_for("response_url", before + 2)[-1].params["text"])
    return answer


def customer_post(instance: FakeMastodon, text: str, acct: str = "admin") -> str:
    """A public status on the fake instance; returns its https link."""
    status = instance.state.status(text, acct=acct)
    status["created_at"] = "2026-11-25T08:50:00.000Z"
    status["url"] = f"https://mastodon.example/@{acct}/{status['id']}"
    return str(status["url"])


def test_a_post_not_taken_in_is_fetched_drafted_and_carded(
    world: SlackWorld, instance: FakeMastodon
) -> None:
    url = customer_post(instance, "@parcelly my parcel 5521 is a week late, any news?")
    answer = slash(world, f"draft <{url}>")
    assert answer.startswith(f"Taken in: the card in <#{CHANNEL}>")
    assert "mastodon post by @admin" in answer
    cards = world.api.calls_to("chat.postMessage")
    assert len(cards) == 1 and "parcel 5521" in cards[0].params["text"]
    (case,) = world.care.store.cases()
    assert case.state is CaseState.IN_REVIEW and case.review_ref == f"{CHANNEL}/1764061200.000001"
    assert case.mention.meta["reason"] == "url"
    assert ("fetched", APPROVER) in [(a.action, a.actor) for a in world.care.store.audit(case.id)]

    again = slash(world, f"draft {url}")  # now careops has it: today's answer, no new card
    assert "(in_review), draft" in again and "\n> " in again
    assert len(world.api.calls_to("chat.postMessage")) == 1


def test_answers_for_links_careops_cannot_take_in(
    world: SlackWorld, instance: FakeMastodon
) -> None:
    assert "doesn't look like a post URL on X, Bluesky or Mastodon" in slash(
        world, "draft https://example.com/blog/hello"
    )
    assert "set X_USER_ID and X_BEARER_TOKEN" in slash(
        world, "draft https://x.com/someone/status/999"
    )
    assert "set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD" in slash(
        world, "draft https://bsky.app/profile/maria.bsky.social/post/3l6oveex3ii2l"
    )
    assert "deleted, is private" in slash(world, "draft https://mastodon.example/@admin/1")
    instance.state.rate_limited_until = "2026-11-25T09:15:00.000Z"
    assert "Could not fetch that post now: Mastodon is rate limiting" in slash(
        world, "draft https://mastodon.example/@admin/2"
    )
    assert world.care.store.cases() == []
    assert world.api.calls_to("chat.postMessage") == []


def test_customer_text_in_the_answer_is_escaped(world: SlackWorld, instance: FakeMastodon) -> None:
    typed = "draft https://example.com/&lt;!channel&gt;"  # as Slack sends "<!channel>" typed
    answer = slash(world, typed)
    assert "<!channel>" not in answer and "example.com/&lt;!channel&gt;" in answer
    url = customer_post(instance, "<!channel> @parcelly where is my parcel?")
    slash(world, f"draft {url}")
    assert "<!channel>" not in world.api.calls_to("chat.postMessage")[0].params["text"]
    draft = slash(world, f"draft {url}")
    assert "<!channel>" not in draft


def test_an_x_post_that_does_not_mention_the_brand_is_for_answering_by_hand(
    world: SlackWorld, clock: FakeClock
) -> None:
    page = single_post(
        {
            "data": [
                {
                    "id": "1861000000000000001",
                    "text": "Third parcel this month that never arrived. Never again.",
                    "author_id": "63046977",
                    "created_at": "2026-11-25T08:40:00.000Z",
                }
            ],
            "includes": {"users": [{"id": "63046977", "username": "happycamper", "name": "E"}]},
        }
    )
    fake = FakeX()
    fake.on("GET /2/tweets/1861000000000000001", [(200, {}, page)])
    client = x_client("bearer", None, None, None, None, session=fake.session())
    world.care.lookups[Network.X] = XPostLookup(
        client, clock, user_id="17200003", username="parcelly", meter=XMeter(None, XPrices(), clock)
    )
    answer = slash(world, "draft https://x.com/happycamper/status/1861000000000000001")
    assert answer.startswith("Taken in:") and "answer it by hand" in answer
    case = world.care.store.get_case("x:1861000000000000001")
    assert case is not None and case.mention.summoned is False


class SlowLookup:
    """A network that answers only when the test lets it."""

    def __init__(self, mention: Mention) -> None:
        self.mention = mention
        self.release = threading.Event()

    def fetch(self, ref: PostRef) -> Mention | None:
        assert self.release.wait(10)
        return self.mention


def test_slack_gets_its_ack_before_the_network_answers(world: SlackWorld) -> None:
    slow = SlowLookup(make_mention("1861000000000000002", author="maria_g", summoned=True))
    world.care.lookups[Network.X] = slow
    body = command_body(
        "draft https://x.com/maria_g/status/1861000000000000002",
        APPROVER,
        world.api.response_url("slow"),
    )
    status, _, seconds = signed_post(world.base_url, SECRET, body, form=True)
    assert status == 200 and seconds < 1.0
    first = world.api.wait_for("response_url")[0].params["text"]
    assert first == "Fetching that X post…"
    # While the network is slow, other Slack work goes on: the worker is not waiting.
    status_body = command_body("status", APPROVER, world.api.response_url("status"))
    assert signed_post(world.base_url, SECRET, status_body, form=True)[0] == 200
    status_answer = world.api.wait_for("response_url", 2)[1].params["text"]
    assert "Fetching" not in status_answer and len(world.api.calls_to("response_url")) == 2
    slow.release.set()
    world.rt.drain()
    answer = world.api.wait_for("response_url", 3)[-1].params["text"]
    assert answer.startswith("Taken in:")


class PermalinkClient:
    def __init__(self, permalink: str | None) -> None:
        self.permalink = permalink
        self.asked: list[tuple[str, str]] = []

    def chat_getPermalink(self, *, channel: str, message_ts: str) -> dict[str, object]:
        self.asked.append((channel, message_ts))
        return {"ok": True, "permalink": self.permalink}


def test_the_card_link_is_slacks_permalink_when_there_is_one(clock: FakeClock) -> None:
    mention = make_mention("5")
    case = SimpleNamespace(id=mention.case_id, review_ref="C0CARE/1764061200.000001")
    client = PermalinkClient("https://care.slack.com/archives/C0CARE/p1764061200000001")
    app = SimpleNamespace(client=client)
    link = _card_link(app, case)  # type: ignore[arg-type]
    assert link == "<https://care.slack.com/archives/C0CARE/p1764061200000001|the card>"
    assert client.asked == [("C0CARE", "1764061200.000001")]
    app.client = PermalinkClient(None)
    assert _card_link(app, case) == "the card in <#C0CARE>"  # type: ignore[arg-type]
    assert _card_link(SimpleNamespace(client=None), SimpleNamespace(id="x:5", review_ref=None)) == (  # type: ignore[arg-type]
        "case `x:5`"
    )


class BrokenLookup:
    def fetch(self, ref: PostRef) -> Mention | None:
        raise RuntimeError("unexpected answer shape")


def test_a_lookup_that_crashes_still_gets_an_answer(world: SlackWorld) -> None:
    world.care.lookups[Network.X] = BrokenLookup()
    answer = slash(world, "draft https://x.com/maria_g/status/1861000000000000003")
    assert answer == "Something went wrong; the log says what."
    assert world.care.store.get_case("x:1861000000000000003") is None


class MustNotFetch:
    def fetch(self, ref: PostRef) -> Mention | None:
        raise AssertionError(f"fetched {ref} although careops has it")


def test_a_post_careops_has_is_answered_from_the_store_without_a_fetch(world: SlackWorld) -> None:
    world.care.lookups[Network.X] = MustNotFetch()
    world.add_mention(make_mention("1861000000000000009", "Order 5521 is late"))
    world.tick()
    answer = slash(world, "draft https://x.com/i/web/status/1861000000000000009")
    assert answer.startswith("x post by @maria_g (in_review), draft ")


def test_an_x_link_never_answers_with_another_networks_case_of_the_same_id(
    world: SlackWorld,
) -> None:
    toot = make_mention("109", "Where is my parcel?", network=Network.MASTODON, author="maria")
    world.add_mention(replace(toot, url="https://mastodon.example/@maria/109"))
    world.tick()
    assert world.care.store.get_case("mastodon:109") is not None
    answer = slash(world, "draft https://x.com/maria/status/109")
    assert answer.startswith("careops is not connected to X")
