"""Core models <-> JSON-ready dicts for the SQLite store (and the JSONL files)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from bot.core.models import (
    Case,
    CaseState,
    Draft,
    Intent,
    Mention,
    Network,
    OutboxItem,
    OutboxState,
    Priority,
    RuleCheck,
    Triage,
)


def dumps(value: Any) -> str:
    """JSON text for a column (orjson: the store writes one or two per case)."""
    return orjson.dumps(value).decode()


def iso(value: datetime | None) -> str | None:
    return None if value is None else _iso(value)


@lru_cache(maxsize=4096)
def _iso(value: datetime) -> str:
    """ISO text in UTC. Cached: one intake step stamps a case and its audit rows with the
    same instant, and isoformat() is one of the dearer calls on that path."""
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat()


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def required_time(value: str) -> datetime:
    parsed = parse_time(value)
    assert parsed is not None
    return parsed


def mention_to_dict(m: Mention) -> dict[str, Any]:
    return {
        "network": m.network.value,
        "external_id": m.external_id,
        "author_handle": m.author_handle,
        "author_name": m.author_name,
        "text": m.text,
        "created_at": iso(m.created_at),
        "url": m.url,
        "in_reply_to": m.in_reply_to,
        "conversation_id": m.conversation_id,
        "context": list(m.context),
        "summoned": m.summoned,
        "meta": dict(m.meta),
    }


def mention_from_dict(d: dict[str, Any]) -> Mention:
    return Mention(
        network=Network(d["network"]),
        external_id=d["external_id"],
        author_handle=d["author_handle"],
        author_name=d.get("author_name", ""),
        text=d["text"],
        created_at=required_time(d["created_at"]),
        url=d.get("url", ""),
        in_reply_to=d.get("in_reply_to"),
        conversation_id=d.get("conversation_id"),
        context=tuple(d.get("context", ())),
        summoned=d.get("summoned", True),
        meta=dict(d.get("meta", {})),
    )


def triage_to_dict(t: Triage | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "intent": t.intent.value,
        "sentiment": t.sentiment,
        "priority": t.priority.value,
        "language": t.language,
        "topic": t.topic,
        "tags": list(t.tags),
    }


def triage_from_dict(d: dict[str, Any] | None) -> Triage | None:
    if d is None:
        return None
    return Triage(
        Intent(d["intent"]),
        float(d["sentiment"]),
        Priority(d["priority"]),
        d["language"],
        d["topic"],
        tuple(d.get("tags", ())),
    )


def case_to_row(c: Case) -> dict[str, Any]:
    body = {
        "mention": mention_to_dict(c.mention),
        "triage": triage_to_dict(c.triage),
        "approvals": list(c.approvals),
        "flags": list(c.flags),
        "dismissed_reason": c.dismissed_reason,
        "failure": c.failure,
        "published_id": c.published_id,
        "published_url": c.published_url,
        "published_at": iso(c.published_at),
        "draft_seq": c.draft_seq,
    }
    return {
        "id": c.id,
        "network": c.network.value,
        "state": c.state.value,
        "author": c.mention.author_handle.lower(),
        "posted_at": iso(c.mention.created_at),
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "draft_id": c.draft_id,
        "claimed_by": c.claimed_by,
        "approved_by": c.approved_by,
        "review_ref": c.review_ref,
        "published_at": iso(c.published_at),  # columns too: reports read them unparsed
        "flags": dumps(list(c.flags)),
        "body": dumps(body),
    }


def case_from_row(row: dict[str, Any]) -> Case:
    body = orjson.loads(row["body"])
    return Case(
        id=row["id"],
        mention=mention_from_dict(body["mention"]),
        state=CaseState(row["state"]),
        created_at=required_time(row["created_at"]),
        updated_at=required_time(row["updated_at"]),
        triage=triage_from_dict(body["triage"]),
        draft_id=row["draft_id"],
        draft_seq=body.get("draft_seq", 0),
        claimed_by=row["claimed_by"],
        approvals=tuple(body.get("approvals", ())),
        approved_by=row["approved_by"],
        dismissed_reason=body.get("dismissed_reason", ""),
        failure=body.get("failure", ""),
        published_id=body.get("published_id"),
        published_url=body.get("published_url"),
        published_at=parse_time(body.get("published_at")),
        review_ref=row["review_ref"],
        flags=tuple(body.get("flags", ())),
    )


def draft_to_row(d: Draft) -> dict[str, Any]:
    return {
        "id": d.id,
        "case_id": d.case_id,
        "text": d.text,
        "drafter": d.drafter,
        "created_at": iso(d.created_at),
        "topic": d.topic,
        "prompt_version": d.prompt_version,
        "edited_from": d.edited_from,
        "note": d.note,
        "checks": dumps([[c.rule, c.ok, c.why] for c in d.checks]),
        "usage": dumps(d.usage),
    }


def draft_from_row(row: dict[str, Any]) -> Draft:
    return Draft(
        id=row["id"],
        case_id=row["case_id"],
        text=row["text"],
        drafter=row["drafter"],
        created_at=required_time(row["created_at"]),
        topic=row["topic"],
        prompt_version=row["prompt_version"],
        checks=tuple(RuleCheck(r, bool(ok), why) for r, ok, why in orjson.loads(row["checks"])),
        edited_from=row["edited_from"],
        note=row["note"],
        usage=orjson.loads(row["usage"] or "{}"),
    )


def outbox_to_row(o: OutboxItem) -> dict[str, Any]:
    return {
        "draft_id": o.draft_id,
        "case_id": o.case_id,
        "network": o.network.value,
        "in_reply_to": o.in_reply_to,
        "text": o.text,
        "state": o.state.value,
        "created_at": iso(o.created_at),
        "attempts": o.attempts,
        "remote_id": o.remote_id,
        "remote_url": o.remote_url,
        "error": o.error,
        "meta": dumps(o.meta),
    }


def outbox_from_row(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(
        draft_id=row["draft_id"],
        case_id=row["case_id"],
        network=Network(row["network"]),
        in_reply_to=row["in_reply_to"],
        text=row["text"],
        state=OutboxState(row["state"]),
        created_at=required_time(row["created_at"]),
        attempts=row["attempts"],
        remote_id=row["remote_id"],
        remote_url=row["remote_url"],
        error=row["error"],
        meta=orjson.loads(row["meta"] or "{}"),
    )
