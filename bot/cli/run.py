"""careops run commands."""

from __future__ import annotations
