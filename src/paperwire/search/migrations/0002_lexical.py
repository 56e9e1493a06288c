"""The lexical index: a weighted tsvector with GIN on PostgreSQL; on SQLite, what the
tantivy index under VAR_DIR/search/ needs to catch up with the papers table.

Neither is a Django model: the PostgreSQL table holds a type Django has no field for,
and only paperwire.search reads or writes them. Deleting a paper deletes its row
(PostgreSQL) or records it for the tantivy index (SQLite) through a trigger, so no code
path can leave a deleted paper findable.
"""

from django.db import migrations

SQLITE = [
    "CREATE TABLE search_lexicalremoval (paper_id integer NOT NULL)",
    "CREATE TRIGGER search_lexicalremoval_paper_deleted AFTER DELETE ON papers_paper BEGIN "
    "INSERT INTO search_lexicalremoval (paper_id) VALUES (old.id); END",
    # The index catches up on papers modified since it last looked.
    "CREATE INDEX search_paper_modified_at ON papers_paper (modified_at)",
]
SQLITE_REVERSE = [
    "DROP INDEX IF EXISTS search_paper_modified_at",
    "DROP TRIGGER IF EXISTS search_lexicalremoval_paper_deleted",
    "DROP TABLE IF EXISTS search_lexicalremoval",
]

POSTGRESQL = [
    # The bundled PostgreSQL has no unaccent extension; NFD plus dropping the
    # combining marks does the same for Latin scripts, with nothing to install.
    "CREATE FUNCTION search_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ "
    "SELECT regexp_replace(normalize($1, NFD), '[\\u0300-\\u036f]', '', 'g') $$",
    "CREATE TABLE search_paperdocument (paper_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX search_paperdocument_document ON search_paperdocument USING gin (document)",
    # No foreign key: Django's test flush truncates papers_paper without CASCADE.
    "CREATE FUNCTION search_paperdocument_forget() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'TRUNCATE' THEN TRUNCATE search_paperdocument; "
    "ELSE DELETE FROM search_paperdocument WHERE paper_id = OLD.id; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER search_paperdocument_paper_deleted AFTER DELETE ON papers_paper "
    "FOR EACH ROW EXECUTE FUNCTION search_paperdocument_forget()",
    "CREATE TRIGGER search_paperdocument_papers_truncated AFTER TRUNCATE ON papers_paper "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_paperdocument_forget()",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS search_paperdocument_papers_truncated ON papers_paper",
    "DROP TRIGGER IF EXISTS search_paperdocument_paper_deleted ON papers_paper",
    "DROP FUNCTION IF EXISTS search_paperdocument_forget()",
    "DROP TABLE IF EXISTS search_paperdocument",
    "DROP FUNCTION IF EXISTS search_unaccent(text)",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


def _index_existing(apps, schema_editor):
    # Papers stored before this migration become findable at once (on SQLite, the
    # first search or the worker indexes them).
    from paperwire.search.lexical import index_papers

    Paper = apps.get_model("papers", "Paper")
    ids = list(Paper.objects.using(schema_editor.connection.alias).values_list("id", flat=True))
    index_papers(ids, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_embeddings"),
        ("papers", "0002_leaner_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
        migrations.RunPython(_index_existing, migrations.RunPython.noop),
    ]
