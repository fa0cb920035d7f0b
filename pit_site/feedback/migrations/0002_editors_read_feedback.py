from django.db import migrations

from pit_site.roles import grant

# Content editors and clinical reviewers read (and may delete) page feedback; reception does not.
ROLES = {
    "Content editors": [("feedback", "feedback", ["view", "delete"])],
    "Clinical reviewers": [("feedback", "feedback", ["view"])],
}


def create_roles(apps, schema_editor):
    grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_page_feedback"),
        ("pages", "0004_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
