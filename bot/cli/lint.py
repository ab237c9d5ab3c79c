"""careops lint commands."""

from __future__ import annotations
