from django.db import migrations

from pit_site.roles import grant

# Reception sees and works enquiries (status, notes, assignment, CSV export) but cannot edit
# patient pages. Content editors get no enquiry permissions at all.
ROLES = {
    "Reception": [
        ("enquiries", "enquiry", ["view", "change"]),
        ("enquiries", "note", ["add", "view"]),
        ("enquiries", "statuschange", ["view"]),
        ("enquiries", "exportrecord", ["view"]),
    ],
}


def create_roles(apps, schema_editor):
    grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("enquiries", "0001_initial"),
        ("pages", "0004_roles"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
