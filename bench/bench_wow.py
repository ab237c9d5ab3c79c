"""Wow detection against the labelled posts (bot/training/wow.py): precision and recall.

Reads the tweet corpora by path (CAREOPS_SHARED_DATA, default ../shared/data) and says
so when they are absent."""

from __future__ import annotations

import os

from bot.training.wow import main


def run() -> None:
    main(["--data", os.environ.get("CAREOPS_SHARED_DATA", "../shared/data")])
