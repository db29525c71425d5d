"""Stable claim references: every claim gets a permanent number inside its team (#123).

Existing claims are numbered in the order they were created, team by team, and each team's
counter is set to the highest number it gave out.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def number_existing_claims(apps, schema_editor):
    Claim = apps.get_model("annotations", "Claim")
    Team = apps.get_model("annotations", "Team")
    for team in Team.objects.order_by("pk").iterator():
        claims = list(
            Claim.objects.filter(article__team_id=team.pk)
            .order_by("created_at", "pk")
            .only("pk", "team_id", "number")
        )
        for number, claim in enumerate(claims, start=1):
            claim.team_id = team.pk
            claim.number = number
        Claim.objects.bulk_update(claims, ["team", "number"], batch_size=500)
        Team.objects.filter(pk=team.pk).update(claim_counter=len(claims))
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key is checked at commit; run its checks now, so that the columns
        # can be altered below in the same transaction ("pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0004_collaboration"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="claim_counter",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="claim",
            name="team",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="claims",
                to="annotations.team",
            ),
        ),
        migrations.AddField(
            model_name="claim",
            name="number",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(number_existing_claims, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="claim",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="claims",
                to="annotations.team",
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="number",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.UniqueConstraint(
                fields=("team", "number"), name="claim_number_unique_in_team"
            ),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=Q(number__gte=1), name="claim_number_positive"
            ),
        ),
    ]
