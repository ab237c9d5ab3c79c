"""Two `careops run --http` instances on one PostgreSQL, publishing to the local fake
Mastodon: the leader is killed (SIGKILL) five times while it publishes and started
again each time, then PostgreSQL itself restarts. Every approved reply goes out, each
customer post gets exactly one reply, and every case ends published."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.postgres import PostgresStore
from bot.core.models import OutboxState
from tests.e2e.cluster import cluster, kill_leader_while_publishing, seed_approved, wait_for
from tests.pg_server import PostgresServer

REPLIES = 200
KILLS = 5


@pytest.mark.slow
def test_killing_the_leader_and_restarting_postgres_loses_nothing_and_sends_nothing_twice(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    url = pg_server.fresh_database()
    with cluster(url, tmp_path, lease_seconds=5.0, post_seconds=0.08) as running:
        parents = seed_approved(url, running.mastodon, REPLIES)
        running.start("a", "b")
        failovers = [kill_leader_while_publishing(running, after_posts=3) for _ in range(KILLS)]
        print("failover seconds:", [round(s, 2) for _, s in failovers])
        assert len({name for name, _ in failovers}) == 2, "both instances led at some point"
        assert all(seconds < 5.0 for _, seconds in failovers), failovers

        before = running.posts()
        pg_server.ctl("restart", "-m", "fast")
        wait_for(lambda: running.posts() > before, 60, "publishing after the restart")
        store = PostgresStore(url)
        try:
            wait_for(
                lambda: len(store.outbox([OutboxState.PUBLISHED])) == REPLIES,
                120,
                "every reply published",
                step=0.2,
            )
            assert store.count_by_state() == {"published": REPLIES}
        finally:
            store.close()
        replies = running.replies_per_parent()
        assert sorted(replies) == sorted(parents), "every customer post has a reply"
        assert set(replies.values()) == {1}, "and exactly one"
        assert running.stop() == [0, 0], "both stop cleanly on SIGTERM"
