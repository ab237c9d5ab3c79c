"""careops draft commands."""

from __future__ import annotations
