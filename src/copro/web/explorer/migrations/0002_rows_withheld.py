# The numbers of rows read and used may be withheld (disclosure control of SEN2 totals)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("explorer", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dataset",
            name="rows_read",
            field=models.PositiveIntegerField(
                blank=True, help_text="empty: withheld (disclosure control)", null=True),
        ),
        migrations.AlterField(
            model_name="dataset",
            name="rows_used",
            field=models.PositiveIntegerField(
                blank=True, help_text="empty: withheld (disclosure control)", null=True),
        ),
    ]
