from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Without REDIS_URL the shared cache is a database table; make sure it exists, so that
    # `migrate` alone gives a working site. It does nothing when the cache is Redis.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_clinic_notification_emails")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
