# Joins the migrations that were written side by side after 0004.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0005_article_archive"),
        ("annotations", "0005_publishing"),
        ("annotations", "0005_article_ingest"),
        ("annotations", "0005_claim_number"),
    ]

    operations = []
