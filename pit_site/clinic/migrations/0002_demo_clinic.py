from django.db import migrations


def create_clinic(apps, schema_editor):
    # The one row of clinic details, with the fictional demo defaults, for staff to edit.
    apps.get_model("clinic", "Clinic").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [migrations.RunPython(create_clinic, migrations.RunPython.noop)]
