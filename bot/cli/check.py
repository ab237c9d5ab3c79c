"""careops check commands."""

from __future__ import annotations
