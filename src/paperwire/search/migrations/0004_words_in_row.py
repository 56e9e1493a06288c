"""PostgreSQL keeps each paper's words in its row, and statistics of 10,000 common words.

- Words in the row: a paper's tsvector is often over 2 kB (an abstract's words and their
  positions), which PostgreSQL moves out of line by default, and every ts_rank call (one
  per query word) then fetched it again: at a million papers, ranking 4,500 papers for a
  nine-word query took 80 ms, against 22 ms with the vectors in the row (up to 8 kB).
  Existing rows are rewritten here (the GIN index is rebuilt after them): minutes at a
  million papers.
- Statistics: word search takes a common word's document frequency from ANALYZE's
  statistics instead of counting its papers (lexical._pg_frequencies); a word missing
  from them is counted, which is cheap only while the words missing are rare. At a million
  abstracts the 1,000th commonest word is in 5% of the papers (counting one took up to
  100 ms); the 10,000th is in 0.13%. ANALYZE then samples 300,000 rows (6 s at a million).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FORWARD = [
    "ALTER TABLE search_paperdocument SET (toast_tuple_target = 8160)",
    "ALTER TABLE search_paperdocument ALTER COLUMN document SET STORAGE MAIN",
    "ALTER TABLE search_paperdocument ALTER COLUMN document SET STATISTICS 1000",
]
REWRITE = [
    "DROP INDEX search_paperdocument_document",
    # A new value (not the stored pointer) is laid out again, in the row where it fits.
    "UPDATE search_paperdocument SET document = document || ''::tsvector",
    "CREATE INDEX search_paperdocument_document ON search_paperdocument USING gin (document)",
]
BACKWARD = [
    "ALTER TABLE search_paperdocument RESET (toast_tuple_target)",
    "ALTER TABLE search_paperdocument ALTER COLUMN document SET STORAGE EXTENDED",
    "ALTER TABLE search_paperdocument ALTER COLUMN document SET STATISTICS -1",
]


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM search_paperdocument)")
        if cursor.fetchone()[0]:
            for statement in REWRITE:
                schema_editor.execute(statement)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_vectors"),
    ]

    operations = [migrations.RunPython(forward, backward)]
