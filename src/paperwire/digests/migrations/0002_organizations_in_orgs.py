from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('digests', '0001_initial'),
        ('orgs', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='subscriber',
                    name='organizations',
                    field=models.ManyToManyField(blank=True, related_name='+', to='orgs.organization'),
                ),
            ],
        ),
    ]
