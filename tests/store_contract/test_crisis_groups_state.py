"""Crisis group membership and where each card is, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.models import Case, CaseGroup, CaseState
from tests.conftest import make_mention

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_membership_card_places_and_stale_cards(store: Any) -> None:
    for n in ("1", "2"):
        m = make_mention(n)
        store.save_case(Case(m.case_id, m, CaseState.IN_REVIEW, AT, AT), None)
    groups = store.groups
    groups.start_group(CaseGroup("g:x:1", "app down", ("x:1",)), AT)
    groups.start_group(CaseGroup("g:x:1", "again", ("x:1",)), AT)  # a replay changes nothing
    groups.set_ref("g:x:1", "C1/1.000001")
    joined = groups.join_group("g:x:1", "x:2", AT + timedelta(seconds=1))
    groups.set_card_ref("x:2", "C1/1.000009")

    assert joined == CaseGroup("g:x:1", "app down", ("x:1", "x:2"), "C1/1.000001")
    assert groups.group_of("x:2") == joined == groups.group_at("C1/1.000001")
    assert groups.case_at("C1/1.000009") == "x:2" and groups.card_ref("x:1") is None
    assert groups.groups_since(AT + timedelta(hours=1)) == []
    assert groups.stale() == ["g:x:1"], "never rendered with two members"
    groups.mark_rendered("g:x:1", AT + timedelta(seconds=2))
    assert groups.stale() == []
