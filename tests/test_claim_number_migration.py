"""The migration that gave claims their numbers: existing claims are numbered in the order
they were created, team by team, and each team's counter continues after them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0004_collaboration")]
AFTER = [("annotations", "0005_claim_number")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_claims_in_creation_order_per_team():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Team, Article, Claim = (
        old.get_model("annotations", name) for name in ("Team", "Article", "Claim")
    )
    try:
        desks = [Team.objects.create(name=f"Desk {n}", slug=f"desk-{n}") for n in (1, 2)]
        articles = [
            Article.objects.create(
                team=team,
                title="A story",
                text="One two three four five.",
                source_kind="text",
                content_hash=f"hash-{team.pk}",
            )
            for team in desks
        ]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        made = {}
        # Created out of id order: the numbers follow creation time, not ids or positions.
        for name, article, minutes, offset in [
            ("late", articles[0], 30, 0),
            ("early", articles[0], 10, 4),
            ("middle", articles[0], 20, 8),
            ("only", articles[1], 5, 0),
        ]:
            claim = Claim.objects.create(
                article=article,
                start=offset,
                end=offset + 3,
                exact=article.text[offset : offset + 3],
            )
            Claim.objects.filter(pk=claim.pk).update(created_at=start + timedelta(minutes=minutes))
            made[name] = claim.pk

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        NewClaim, NewTeam = (
            new.get_model("annotations", "Claim"),
            new.get_model("annotations", "Team"),
        )

        numbers = {name: NewClaim.objects.get(pk=pk).number for name, pk in made.items()}
        assert numbers == {"early": 1, "middle": 2, "late": 3, "only": 1}
        assert {c.team_id for c in NewClaim.objects.filter(article=articles[0].pk)} == {desks[0].pk}
        counters = dict(NewTeam.objects.values_list("slug", "claim_counter"))
        assert counters == {"desk-1": 3, "desk-2": 1}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
