"""The Bluesky adapter in-process against the real PDS: what the fakes must agree with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from atproto import Client

from bot.adapters.bluesky import BlueskyPublisher, BlueskySession, BlueskySource
from bot.adapters.clock import SystemClock
from bot.adapters.sqlite import SqliteStore
from bot.core.models import OutboxItem, OutboxState
from tests.devnet.careops_run import brand_replies
from tests.devnet.services import Devnet

pytestmark = pytest.mark.devnet


@pytest.fixture
def brand(devnet: Devnet) -> Iterator[BlueskySession]:
    store = SqliteStore(":memory:")
    client = Client(devnet.pds)
    yield BlueskySession(client, devnet.brand["handle"], devnet.brand["app_password"], store)
    client.request.close()
    store.close()


def test_a_second_create_of_the_same_reply_returns_the_first_and_posts_nothing(
    devnet: Devnet, brand: BlueskySession
) -> None:
    post = devnet.mention("@brand.test my refund for order 4410 never arrived")
    clock = SystemClock()
    (mention,) = [
        m for m in BlueskySource(brand, clock).poll(None).mentions if m.external_id == post["uri"]
    ]
    item = OutboxItem(
        draft_id="d-devnet-twice",
        case_id=mention.case_id,
        network=mention.network,
        in_reply_to=mention.external_id,
        text="Thanks for telling us! We are on it: https://help.parcelly.example/refund",
        state=OutboxState.PUBLISHING,
        created_at=datetime.now(UTC),
        meta=mention.meta,
    )
    publisher = BlueskyPublisher(brand, clock)
    assert publisher.find_existing(item) is None  # getRecord of a missing key: 400, not found
    first = publisher.publish(item)
    assert publisher.publish(item) == first  # the PDS refuses the key (a bare 500): looked up
    assert publisher.find_existing(item) == first
    devnet.process()
    (reply,) = brand_replies(devnet, post["uri"])
    assert reply["uri"] == first.remote_id and reply["root"] == reply["parent"] == post["uri"]


def test_a_mention_listed_under_an_older_stamp_than_the_cursor_is_still_taken(
    devnet: Devnet, brand: BlueskySession
) -> None:
    """The AppView lists a notification under its post's createdAt when that is earlier
    than its indexing (`sortAt`): a customer's slow clock or a post indexed late lands
    behind a cursor that has moved past it."""
    clock = SystemClock()
    source = BlueskySource(brand, clock)
    devnet.mention("@brand.test is anyone there? order 3391")
    cursor = source.poll(None).cursor
    slow_clock = datetime.now(UTC) - timedelta(minutes=4)
    late = devnet.customer_post("@brand.test my clock is slow: order 3392", created_at=slow_clock)
    (listed,) = [n["indexedAt"] for n in devnet.notifications() if n["uri"] == late]
    assert listed < str(cursor)  # listed behind the cursor
    batch = source.poll(cursor)
    assert late in [m.external_id for m in batch.mentions]
