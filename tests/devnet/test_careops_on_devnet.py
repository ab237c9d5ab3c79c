"""`careops run` against a real local Bluesky network (PLC, PDS and AppView from
@atproto/dev-env): a mention becomes a card, an approval one reply in the real thread,
also when careops is killed with SIGKILL in the middle of publishing.

Every test shares one devnet (the session fixture) and starts its own careops with its
own database; a first poll reads the last day, so a run also sees the mentions of the
tests before it and makes cards for them, which the tests leave alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from tests.devnet.careops_run import (
    APPROVER,
    SECRET,
    TOKEN,
    WAIT,
    CareopsRun,
    brand_replies,
    case_state,
    final_card,
    outbox,
    write_env,
)
from tests.devnet.services import Devnet
from tests.devnet.tap import PdsTap
from tests.e2e.processes import wait_until
from tests.fakes.fake_slack import FakeSlackApi

pytestmark = pytest.mark.devnet


def test_mentions_become_cards_and_each_approval_one_reply_in_its_thread(
    devnet: Devnet, tmp_path: Path
) -> None:
    top = devnet.mention("@brand.test my parcel 5521 is three days late, where is it?")
    root = devnet.mention("Day four without my parcel 7713. Nobody answers the phone.")
    nested = {"uri": devnet.customer_post("@brand.test look at order 7713?", reply_to=(root, root))}
    with FakeSlackApi() as slack:
        write_env(tmp_path, devnet, devnet.pds, slack)
        run = CareopsRun.start(tmp_path)
        try:
            for mention, event in ((top, "EvTop"), (nested, "EvNested")):
                case_id = f"bluesky:{mention['uri']}"
                run.approve(case_id, event)
                wait_until(lambda c=case_id: case_state(tmp_path, c) == "published", WAIT, case_id)
            cards = [c.params for c in slack.calls_to("chat.postMessage")]
            assert any("5521" in str(card["blocks"]) for card in cards)
            assert any("7713" in str(card["blocks"]) for card in cards)
        finally:
            run.stop()

    (reply,) = brand_replies(devnet, top["uri"])
    assert reply["root"] == reply["parent"] == top["uri"]
    (sent,) = outbox(tmp_path, f"bluesky:{top['uri']}")
    assert sent["remote_id"] == reply["uri"] and sent["text"] == reply["text"]
    (answer,) = brand_replies(devnet, nested["uri"])
    assert answer["parent"] == nested["uri"] and answer["root"] == root["uri"]
    assert brand_replies(devnet, root["uri"]) == []  # not under the root: under alice's reply
    assert final_card(slack, reply["uri"]) and final_card(slack, answer["uri"])
    assert APPROVER in str(slack.calls_to("chat.update"))
    assert TOKEN not in run.log() and SECRET not in run.log()
    assert devnet.brand["app_password"] not in run.log()
    assert "Traceback" not in run.log()


@pytest.mark.parametrize("where", ["after", "before"])
def test_a_kill_9_mid_publish_still_gives_exactly_one_reply(
    devnet: Devnet, tmp_path: Path, where: Literal["before", "after"]
) -> None:
    """`after`: the PDS wrote the reply, careops died before hearing so (reconcile must
    find it, not post again); `before`: careops died before the PDS had the request."""
    order = {"after": 8810, "before": 8820}[where]
    post = devnet.mention(f"@brand.test order {order} arrived broken, what now?")
    case_id = f"bluesky:{post['uri']}"
    with FakeSlackApi() as slack, PdsTap(devnet.pds) as tap:
        write_env(tmp_path, devnet, tap.url, slack)
        run = CareopsRun.start(tmp_path)
        try:
            tap.hold(where)
            run.approve(case_id, "EvKill")
            assert tap.held.wait(WAIT), "careops never sent the reply"
            run.kill_9()
        finally:
            run.stop()
        tap.release()
        assert outbox(tmp_path, case_id)[0]["state"] == "publishing"  # died mid-publish
        written = brand_replies(devnet, post["uri"])
        assert len(written) == (1 if where == "after" else 0)

        again = CareopsRun.start(tmp_path)
        try:
            wait_until(lambda: case_state(tmp_path, case_id) == "published", WAIT, "published")
        finally:
            again.stop()
    (reply,) = brand_replies(devnet, post["uri"])
    assert reply["root"] == reply["parent"] == post["uri"]
    assert tap.creates == [200]  # one createRecord reached the PDS, in either run
    (sent,) = outbox(tmp_path, case_id)
    assert sent["remote_id"] == reply["uri"] and sent["state"] == "published"
    assert final_card(slack, reply["uri"])
    assert "Traceback" not in again.log(), again.log()


def test_a_reply_whose_answer_was_lost_is_found_not_sent_again_nor_failed(
    devnet: Devnet, tmp_path: Path
) -> None:
    """The PDS wrote the reply but its answer never reached careops (the connection
    dropped) while careops lives on. Retrying the create would be refused (the reference
    PDS answers a bare 500 for a record key it has) and used to end in `failed` after
    three tries with the reply online: careops looks the record up instead."""
    post = devnet.mention("@brand.test the tracking page for order 6620 shows nothing")
    case_id = f"bluesky:{post['uri']}"
    with FakeSlackApi() as slack, PdsTap(devnet.pds) as tap:
        write_env(tmp_path, devnet, tap.url, slack)
        run = CareopsRun.start(tmp_path)
        try:
            tap.hold("after")
            run.approve(case_id, "EvLost")
            assert tap.held.wait(WAIT), "careops never sent the reply"
            tap.release()  # the answer is dropped; careops lives on
            wait_until(
                lambda: case_state(tmp_path, case_id) in ("published", "failed"), WAIT, "end"
            )
        finally:
            run.stop()
    assert case_state(tmp_path, case_id) == "published", outbox(tmp_path, case_id)
    assert tap.creates == [200]
    (reply,) = brand_replies(devnet, post["uri"])
    (sent,) = outbox(tmp_path, case_id)
    assert sent["remote_id"] == reply["uri"] and sent["attempts"] == 1
    assert final_card(slack, reply["uri"])
