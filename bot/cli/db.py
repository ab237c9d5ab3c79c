"""careops db commands."""

from __future__ import annotations
