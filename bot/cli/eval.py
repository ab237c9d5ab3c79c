"""careops eval commands."""

from __future__ import annotations
