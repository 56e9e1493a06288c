"""Authorship claims move from accounts to papers; their table keeps its name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NEW = 'papers'
MODELS = ['authorclaim']


def move_content_types(apps, schema_editor):
    # Permissions and admin history follow the models to their new app.
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=NEW, model=model).exists():
            ContentType.objects.filter(app_label="accounts", model=model).update(app_label=NEW)


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=NEW, model__in=MODELS).update(app_label="accounts")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0005_merge_imported_organizations'),
        ('papers', '0002_leaner_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            database_operations=[migrations.RunPython(move_content_types, restore_content_types)],
            state_operations=[
                migrations.CreateModel(
                    name='AuthorClaim',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('verified', 'Verified'), ('rejected', 'Rejected')], default='pending', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='papers.author')),
                        ('paper', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='author_claims', to='papers.paper')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='author_claims', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_authorclaim',
                        'ordering': ['-created_at'],
                        'constraints': [models.UniqueConstraint(fields=('user', 'paper', 'author'), name='authorclaim_unique_per_user'), models.UniqueConstraint(condition=models.Q(('status', 'verified')), fields=('paper', 'author'), name='authorclaim_one_verified')],
                    },
                ),
            ],
        ),
    ]
