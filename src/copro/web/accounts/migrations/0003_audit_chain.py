"""The audit log hash-chained: each entry's keyed hash of the entry before it and of its own
content, and one row for the log's end (count and last hash). Entries written before this
migration are chained here, in id order (on PostgreSQL the append-only trigger is lifted for
this one update, inside the migration's transaction)."""

from django.db import migrations, models


def chain_existing(apps, schema_editor):
    from copro.web.accounts.audit import _content, _seal
    from copro.web.integrity import mac

    Event = apps.get_model("accounts", "AuditEvent")
    Head = apps.get_model("accounts", "AuditHead")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER "
                              "accounts_auditevent_append_only")
    previous, n = "", 0
    for pk, at, actor, action, area, subject, detail in Event.objects.order_by("id").values_list(
            "id", "at", "actor", "action", "area_code", "subject", "detail").iterator(2000):
        own = mac("audit entry", previous, *_content(at, actor, action, area, subject, detail))
        # a queryset update goes through the model's manager in the migration's historical
        # model (a plain manager), not the append-only one
        Event.objects.filter(pk=pk).update(previous_hash=previous, entry_hash=own)
        previous, n = own, n + 1
    if postgresql:
        schema_editor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER "
                              "accounts_auditevent_append_only")
    Head.objects.create(pk=1, entries=n, last_hash=previous, seal=_seal(n, previous))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_append_only")]
    operations = [
        migrations.AddField(
            model_name="auditevent", name="previous_hash",
            field=models.CharField(blank=True, db_default="", max_length=64)),
        migrations.AddField(
            model_name="auditevent", name="entry_hash",
            field=models.CharField(blank=True, db_default="", max_length=64)),
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("entries", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
                ("seal", models.CharField(blank=True, max_length=64)),
            ],
            options={"default_permissions": ()},
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
