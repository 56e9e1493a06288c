"""Organizations move from accounts to their own app; their tables keep their names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NEW = 'orgs'
MODELS = ['organization', 'organizationalias', 'organizationlogo', 'membership']


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

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0005_merge_imported_organizations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            database_operations=[migrations.RunPython(move_content_types, restore_content_types)],
            state_operations=[
                migrations.CreateModel(
                    name='Organization',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.SlugField(max_length=100, unique=True)),
                        ('fullname', models.CharField(max_length=200)),
                        ('avatar_url', models.URLField(blank=True, max_length=500)),
                        ('logo_hash', models.CharField(blank=True, max_length=32)),
                        ('description', models.TextField(blank=True)),
                        ('website', models.URLField(blank=True, max_length=500)),
                        ('approved', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_organization',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='OrganizationLogo',
                    fields=[
                        ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='logo', serialize=False, to='orgs.organization')),
                        ('source_url', models.URLField(max_length=500)),
                        ('content_type', models.CharField(blank=True, max_length=40)),
                        ('data', models.BinaryField(blank=True)),
                        ('fetched_at', models.DateTimeField()),
                        ('failures', models.PositiveSmallIntegerField(default=0)),
                        ('error', models.CharField(blank=True, max_length=200)),
                    ],
                    options={
                        'db_table': 'accounts_organizationlogo',
                    },
                ),
                migrations.CreateModel(
                    name='OrganizationAlias',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.SlugField(max_length=100, unique=True)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='orgs.organization')),
                    ],
                    options={
                        'db_table': 'accounts_organizationalias',
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('admin', 'Admin'), ('member', 'Member')], default='member', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='orgs.organization')),
                    ],
                    options={
                        'db_table': 'accounts_membership',
                        'ordering': ['organization', 'created_at'],
                        'constraints': [models.UniqueConstraint(fields=('organization', 'user'), name='membership_unique')],
                    },
                ),
            ],
        ),
    ]
