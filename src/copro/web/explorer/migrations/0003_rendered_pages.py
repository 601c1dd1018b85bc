# Pages as served, kept for every worker (copro.web.explorer.pagecache)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('explorer', '0002_rows_withheld'),
    ]

    operations = [
        migrations.CreateModel(
            name='RenderedPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(help_text='SHA-256 of the address, format and code', max_length=64)),
                ('status', models.PositiveSmallIntegerField()),
                ('filename', models.CharField(max_length=120)),
                ('gzipped', models.BinaryField(help_text="the page's bytes, gzip-compressed")),
                ('dataset', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pages', to='explorer.dataset')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('dataset', 'key'), name='rendered_page_unique')],
            },
        ),
    ]
