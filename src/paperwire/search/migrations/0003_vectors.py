"""Embedding times become the read time and are indexed; on PostgreSQL, a pgvector column.

The vector column lives beside the float32 bytes on PostgreSQL only: pgvector's HNSW index
(cosine) answers nearest-neighbour queries there, while SQLite installs use an embedded ANN
index file built from the bytes.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

DIMENSIONS = 384

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    f"ALTER TABLE search_paperembedding ADD COLUMN embedding vector({DIMENSIONS})",
    "CREATE INDEX search_paperembedding_hnsw ON search_paperembedding "
    "USING hnsw (embedding vector_cosine_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_paperembedding_hnsw",
    "ALTER TABLE search_paperembedding DROP COLUMN IF EXISTS embedding",
]


def add_pgvector(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def drop_pgvector(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_lexical"),
    ]

    operations = [
        migrations.AlterField(
            model_name="paperembedding",
            name="embedded_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.RunPython(add_pgvector, drop_pgvector),
    ]
