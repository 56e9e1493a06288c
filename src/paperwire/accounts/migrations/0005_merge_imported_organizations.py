from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from paperwire.orgs.merge import merge_imported_duplicates


def merge(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    merge_imported_duplicates(apps, app_label="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_organization_logos_and_aliases"),
        ("feed", "0002_upvotes_trending"),
        ("digests", "0001_initial"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
