"""PostgreSQL: an index in the order papers are listed newest first.

Lists of papers without words to rank by (a search with filters only, a category's feed,
the API) are ordered `published_at DESC NULLS LAST, id DESC`. The index on published_at
alone, read backwards, gives NULLS FIRST, so PostgreSQL sorted every paper instead: at a
million papers, page 50 of the papers newest first took 855 ms. SQLite needs no second
index: its descending order puts nulls last, and its index on published_at ends with the
row id, so it is read backwards as it is.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

NAME = "papers_paper_newest_first"


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON papers_paper "
            "(published_at DESC NULLS LAST, id DESC)"
        )


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0003_authorship_claims"),
    ]

    operations = [migrations.RunPython(forward, backward)]
