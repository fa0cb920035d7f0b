from django.db import migrations

from pit_site.roles import grant

# Content editors keep the patient pages, their images and the clinic's details current.
# They cannot see enquiries or manage user accounts. Clinical reviewers may also record
# that a page has been clinically reviewed.
ROLES = {
    "Content editors": [
        ("pages", "page", ["add", "change", "delete", "view"]),
        ("pages", "image", ["add", "change", "delete", "view"]),
        ("clinic", "clinic", ["change", "view"]),
    ],
    "Clinical reviewers": [
        ("pages", "page", ["view", "review"]),
    ],
}


def create_roles(apps, schema_editor):
    grant(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_image"),
        ("clinic", "0003_staffprofile"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
