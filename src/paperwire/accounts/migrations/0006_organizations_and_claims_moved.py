from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('digests', '0002_organizations_in_orgs'),
        ('feed', '0003_organizations_in_orgs'),
        ('papers', '0003_authorship_claims'),
        ('orgs', '0001_initial'),
        ('accounts', '0005_merge_imported_organizations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='membership',
                    name='organization',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='organization',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='organizationalias',
                    name='organization',
                ),
                migrations.RemoveField(
                    model_name='organizationlogo',
                    name='organization',
                ),
                migrations.DeleteModel(
                    name='AuthorClaim',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='OrganizationAlias',
                ),
                migrations.DeleteModel(
                    name='Organization',
                ),
                migrations.DeleteModel(
                    name='OrganizationLogo',
                ),
            ],
        ),
    ]
