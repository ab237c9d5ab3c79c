"""The shape of `careops.toml`, checked when it is read.

A typo in the operating file (`[retension]`, `shift_hours = "8h"`, a time zone that
does not exist) would otherwise surface hours later as a crash inside a scheduled job,
or not at all. Reading it through these models turns every such mistake into one clear
message at start-up, naming the table and key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.x_costs import carries_url


class OpsFileError(ValueError):
    """careops.toml is readable TOML but says something careops cannot use."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class SlaTable(_Table):
    x: float | None = Field(None, gt=0)
    bluesky: float | None = Field(None, gt=0)
    mastodon: float | None = Field(None, gt=0)


class OncallTable(_Table):
    timezone: str = "UTC"
    members: list[str] = Field(default_factory=list)
    shift_hours: float = Field(8, gt=0, le=24 * 7)
    start: datetime | None = None
    usergroup: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (use an IANA name)") from None
        return name


class RetentionTable(_Table):
    days: int = Field(90, ge=0)


class DigestTable(_Table):
    enabled: bool = True
    hour: int = Field(9, ge=0, le=23)


class XPricesTable(_Table):
    """USD, from X's pay-per-use price list (defaults: as checked November 2026)."""

    post: float = Field(0.015, ge=0)  # "Content: Create", per request
    post_with_url: float = Field(0.200, ge=0)  # "Content: Create (with URL)", per request
    post_read: float = Field(0.005, ge=0)  # "Posts: Read", per post returned
    user_read: float = Field(0.010, ge=0)  # "User: Read", per user returned
    request: float = Field(0.0, ge=0)  # per answered request (X bills none today)


class XTable(_Table):
    prices: XPricesTable = Field(default_factory=XPricesTable)
    monthly_budget: float | None = Field(None, gt=0)  # USD per calendar month (UTC)
    link_policy: Literal["always", "never", "budget"] = "always"
    daily_budget: float | None = Field(None, gt=0)  # USD per UTC day, for link_policy budget
    help_in_words: str | None = Field(None, max_length=200)

    @field_validator("help_in_words")
    @classmethod
    def _no_link(cls, words: str | None) -> str | None:
        if words and carries_url(words):
            raise ValueError("must not carry a web address: X would link it and charge for a URL")
        return words

    @model_validator(mode="after")
    def _budget_for_budget_policy(self) -> XTable:
        if self.link_policy == "budget" and not (self.daily_budget or self.monthly_budget):
            raise ValueError('link_policy = "budget" needs daily_budget or monthly_budget')
        return self


class OpsFile(_Table):
    sla: SlaTable = Field(default_factory=SlaTable)
    oncall: OncallTable | None = None
    retention: RetentionTable = Field(default_factory=RetentionTable)
    digest: DigestTable = Field(default_factory=DigestTable)
    x: XTable = Field(default_factory=XTable)


def check_ops(raw: dict[str, Any], source: str = "careops.toml") -> dict[str, Any]:
    """Return `raw` unchanged when it fits `OpsFile`; raise `OpsFileError` otherwise."""
    try:
        OpsFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise OpsFileError(f"{source}: {problems}") from None
    return raw


def _describe(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    where = f"[{loc[0]}]" + (f" {'.'.join(loc[1:])}" if len(loc) > 1 else "")
    if error["type"] == "extra_forbidden":
        kind = "table" if len(loc) == 1 else "key"
        return f"{where}: unknown {kind} (a typo?)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message} (got {error.get('input')!r})"
