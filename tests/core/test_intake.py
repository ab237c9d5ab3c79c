"""The one gate for every source: raw fields become a checked Mention or a reason."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.intake import BadMention, mention_from, problem_with, raw_preview
from bot.core.models import Mention, Network, Quarantined

WHEN = datetime(2026, 11, 25, 8, 55, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "external_id": "1861234567891000003",
    "author_handle": "@maria_g",
    "text": "Where is my parcel?",
    "created_at": WHEN,
}


def make(**changes: Any) -> Mention:
    return mention_from(changes.pop("network", "x"), **{**GOOD, **changes})


def test_good_fields_make_a_mention_and_only_lose_the_handles_at() -> None:
    m = make(in_reply_to=17, meta={"uri": "at://x"}, context=["earlier"])
    assert (m.network, m.external_id, m.author_handle) == (
        Network.X,
        GOOD["external_id"],
        "maria_g",
    )
    assert (m.in_reply_to, m.context, m.meta, m.summoned) == (
        "17",
        ("earlier",),
        {"uri": "at://x"},
        True,
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"external_id": math.nan}, "id must be text or a whole number, not the number nan"),
        ({"external_id": 1.0}, "not the number 1.0"),
        ({"external_id": True}, "not the boolean true"),
        ({"external_id": " "}, "missing id"),
        ({"external_id": "9" * 1001}, "id too long"),
        ({"author_handle": ["a", "b"]}, "author must be text, not a list"),
        ({"author_handle": 42}, "author must be text, not the number 42"),
        ({"author_handle": "@"}, "missing author"),
        ({"author_handle": "maria g"}, "author contains white space"),
        ({"author_handle": "ma\u202eria"}, "author contains invisible formatting"),
        ({"author_handle": "ma\x1b[2Jria"}, "author contains a control character"),
        ({"author_handle": "ma\ud800"}, "lone surrogate"),
        ({"text": None}, "text must be text, not null"),
        ({"text": {"a": 1}}, "text must be text, not an object"),
        ({"created_at": "2026-11-25T08:55:00Z"}, "created_at must be a time"),
        ({"created_at": datetime(2026, 11, 25)}, "no time zone"),
        ({"created_at": datetime(9999, 12, 31, 23, tzinfo=UTC)}, "not a plausible time"),
        ({"url": "https://x.com/a b"}, "url contains white space"),
        ({"url": 5}, "url must be text, not the number 5"),
        ({"summoned": "false"}, "summoned must be true or false"),
        ({"context": "a thread"}, "context must be a list"),
        ({"meta": {"uri": None}}, "meta 'uri' must be text, not null"),
        ({"meta": {"cid": "b\udfff"}}, "lone surrogate"),
        ({"network": "myspace"}, "unknown network"),
        ({"network": None}, "network must be text"),
    ],
)
def test_wrong_types_and_unstorable_names_are_refused_not_coerced(
    changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(BadMention, match=reason):
        make(**changes)


def test_lone_surrogates_in_what_people_read_become_a_replacement_character() -> None:
    m = make(text="late \ud83d parcel", author_name="Ma\udc00ria", context=["\ud800"])
    assert (m.text, m.author_name, m.context) == ("late \ufffd parcel", "Ma\ufffdria", ("\ufffd",))
    assert problem_with(m) is None


def test_a_time_with_any_offset_is_accepted() -> None:
    m = make(created_at=WHEN.astimezone(timezone(timedelta(hours=-5))))
    assert m.created_at == WHEN


# Surrogates, controls and invisible formatting included (hypothesis leaves Cs out by default).
ANY_CHARACTER = st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs", "Co"])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(ANY_CHARACTER, max_size=20)
    | st.datetimes(timezones=st.none() | st.just(UTC)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ("external_id", "author_handle", "author_name", "text", "created_at", "url",
          "in_reply_to", "conversation_id", "context", "summoned", "meta")  # fmt: skip


def _storable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1))
def test_any_fields_give_a_storable_mention_or_a_reason(changes: dict[str, Any]) -> None:
    try:
        m = make(**changes)
    except BadMention as exc:
        assert str(exc)
        return
    texts = [m.external_id, m.author_handle, m.author_name, m.text, m.url, *m.context]
    texts += [m.in_reply_to or "", m.conversation_id or "", *m.meta, *m.meta.values()]
    assert all(isinstance(t, str) and _storable(t) for t in texts)
    assert m.created_at.tzinfo is not None and isinstance(m.summoned, bool)
    assert m.external_id.strip() and m.author_handle.strip()


def test_quarantine_rows_are_storable_whatever_they_quote() -> None:
    item = Quarantined(
        "file:\ud800", raw_preview({"id": "\udfff", "n": math.nan}), "bad \ud800", WHEN
    )
    assert all(_storable(t) for t in (item.source, item.raw, item.reason))
    assert "NaN" in item.raw


def test_raw_preview_of_something_too_deep_for_json_is_its_repr() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    assert raw_preview(deep).startswith("[[[")
