from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ingest', '0002_arxiv_lookup'),
    ]

    operations = [
        migrations.CreateModel(
            name='DeferredIndex',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('table', models.CharField(max_length=200)),
                ('sql', models.TextField()),
                ('dropped_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
