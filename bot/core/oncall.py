"""The 24/7 on-call rotation and its overrides (DESIGN §7).

Shifts are wall-clock time in the rotation's time zone: shift k starts at the local
time `start + k * shift_hours`. With 8-hour shifts from 08:00 the handoffs are always
at 08:00, 16:00 and 00:00 local time, whatever the season. On the day the clocks change
the shift that spans the change is shorter or longer in real time: in Europe/Berlin the
00:00–08:00 shift lasts 7 hours on the spring day and 9 hours on the autumn day. A
handoff time that does not exist (inside the spring gap) is read with the offset before
the jump, so it happens that many minutes after the jump; an ambiguous one (autumn)
is the first occurrence. Because every shift is the span between two consecutive
handoffs in UTC, every instant has exactly one person on call; before `start` the
rotation simply runs backwards.

An override (`/care cover @user 2h`) puts someone on call for its span; when overrides
overlap, the one created last wins.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Override:
    user: str
    start: datetime  # aware
    end: datetime  # aware, exclusive
    created_by: str = ""
    created_at: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    reason: str = ""
    id: int = 0

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Shift:
    """A span with one person on call; `override` when it comes from `/care cover`."""

    user: str
    start: datetime
    end: datetime
    override: bool = False


@dataclass(frozen=True)
class Handoff:
    at: datetime
    outgoing: str | None
    incoming: str


@dataclass(frozen=True)
class Rotation:
    members: tuple[str, ...]
    tz: ZoneInfo
    shift: timedelta
    start: datetime  # naive, local wall-clock time of the first handoff
    usergroup: str | None = None

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("an on-call rotation needs at least one member")
        if self.shift < timedelta(hours=1):
            raise ValueError("on-call shifts must be at least one hour long")
        if self.start.tzinfo is not None:
            raise ValueError("rotation start is local wall-clock time, without an offset")

    @classmethod
    def from_config(cls, oncall: Mapping[str, Any]) -> Rotation | None:
        """Build from the `[oncall]` table of careops.toml; None when there is none."""
        if not oncall:
            return None
        members = tuple(str(m).strip() for m in oncall.get("members", ()) if str(m).strip())
        start = oncall.get("start", "2026-01-05T08:00:00")
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        if not isinstance(start, datetime):
            raise ValueError(f"[oncall] start must be a local date and time, got {start!r}")
        return cls(
            members=members,
            tz=ZoneInfo(str(oncall.get("timezone", "UTC"))),
            shift=timedelta(hours=float(oncall.get("shift_hours", 8))),
            start=start.replace(tzinfo=None),
            usergroup=oncall.get("usergroup") or None,
        )

    def boundary(self, k: int) -> datetime:
        """The UTC instant of handoff k (k=0 is `start`; negative k are earlier ones)."""
        wall = self.start + k * self.shift
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def shift_index(self, at: datetime) -> int:
        """k such that boundary(k) <= at < boundary(k+1)."""
        wall = at.astimezone(self.tz).replace(tzinfo=None)
        k = math.floor((wall - self.start) / self.shift)
        while self.boundary(k + 1) <= at:
            k += 1
        while self.boundary(k) > at:
            k -= 1
        return k

    def member(self, k: int) -> str:
        return self.members[k % len(self.members)]

    def scheduled(self, at: datetime) -> str:
        """Who the rotation (without overrides) puts on call at `at`."""
        return self.member(self.shift_index(at))


@dataclass
class Roster:
    """The rotation plus the overrides in force: the answer to "who is on call?"."""

    rotation: Rotation | None
    overrides: Callable[[], Sequence[Override]] = field(default=lambda: ())

    def who_at(self, at: datetime) -> str | None:
        return who_at(self.rotation, at, self.overrides())

    def shifts(self, since: datetime, until: datetime) -> list[Shift]:
        return shifts(self.rotation, since, until, self.overrides())

    def handoffs(self, since: datetime, until: datetime) -> list[Handoff]:
        return handoffs(self.rotation, since, until, self.overrides())


def covering(at: datetime, overrides: Sequence[Override]) -> Override | None:
    live = [o for o in overrides if o.covers(at)]
    return max(live, key=lambda o: (o.created_at, o.id)) if live else None


def who_at(
    rotation: Rotation | None, at: datetime, overrides: Sequence[Override] = ()
) -> str | None:
    """The Slack user on call at `at`: an override if one covers it, else the rotation."""
    cover = covering(at, overrides)
    if cover is not None:
        return cover.user
    return rotation.scheduled(at) if rotation else None


def _boundaries(rotation: Rotation, since: datetime, until: datetime) -> Iterator[datetime]:
    k = rotation.shift_index(since) + 1
    while (at := rotation.boundary(k)) < until:
        yield at
        k += 1


def shifts(
    rotation: Rotation | None,
    since: datetime,
    until: datetime,
    overrides: Sequence[Override] = (),
) -> list[Shift]:
    """Consecutive spans covering [since, until), each with one person; merged when equal."""
    points = {since, until}
    if rotation:
        points.update(_boundaries(rotation, since, until))
    for o in overrides:
        points.update(p for p in (o.start, o.end) if since < p < until)
    ordered = sorted(points)
    result: list[Shift] = []
    for a, b in itertools.pairwise(ordered):
        user = who_at(rotation, a, overrides)
        if user is None:
            continue
        is_override = covering(a, overrides) is not None
        last = result[-1] if result else None
        if last and last.user == user and last.end == a and last.override == is_override:
            result[-1] = Shift(user, last.start, b, is_override)
        else:
            result.append(Shift(user, a, b, is_override))
    return result


def handoffs(
    rotation: Rotation | None,
    since: datetime,
    until: datetime,
    overrides: Sequence[Override] = (),
) -> list[Handoff]:
    """Moments in (since, until] when a different person comes on call."""
    spans = shifts(rotation, since, until + _TICK, overrides)
    result = []
    for span in spans:
        if span.start <= since:
            continue
        before = who_at(rotation, span.start - _TICK, overrides)
        if before != span.user:
            result.append(Handoff(span.start, before, span.user))
    return result


# --- `/care cover` arguments ---------------------------------------------------------------

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


class CoverError(ValueError):
    """`/care cover` arguments a person needs to fix; the message says how."""


def parse_user(token: str) -> str:
    match = _USER.match(token.strip())
    if not match:
        raise CoverError(f"not a Slack user: {token!r} (mention them, like @maria)")
    return match.group(1) or match.group(2)


def parse_duration(text: str) -> timedelta:
    """'2h', '90m', '1h30m', '2d' -> timedelta (must be positive)."""
    match = _DURATION.match(text.strip().lower())
    if not match or not any(match.groups()):
        raise CoverError(f"not a duration: {text!r} (try 2h, 90m or 1h30m)")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    span = timedelta(days=days, hours=hours, minutes=minutes)
    if span <= timedelta(0) or span > timedelta(days=14):
        raise CoverError("a cover lasts between one minute and 14 days")
    return span


def parse_until(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """'18:00' -> the next 18:00 local time after `now`, as UTC."""
    try:
        hour, minute = (int(p) for p in text.strip().split(":"))
        clock_time = time(hour, minute)
    except ValueError as exc:
        raise CoverError(f"not a time of day: {text!r} (try 18:00)") from exc
    local = now.astimezone(tz)
    end = datetime.combine(local.date(), clock_time, tzinfo=tz)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), clock_time, tzinfo=tz)
    return end.astimezone(UTC)


def parse_cover(args: str, now: datetime, tz: ZoneInfo) -> tuple[str, datetime, datetime]:
    """`@user 2h` or `@user until 18:00` -> (user, start, end); the cover starts now."""
    parts = args.split()
    if len(parts) == 2:
        return parse_user(parts[0]), now, now + parse_duration(parts[1])
    if len(parts) == 3 and parts[1].lower() == "until":
        return parse_user(parts[0]), now, parse_until(parts[2], now, tz)
    raise CoverError("usage: /care cover @user 2h  or  /care cover @user until 18:00")
