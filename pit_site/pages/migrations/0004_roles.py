from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    # Permissions are normally created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0003_image"),
        ("clinic", "0003_staffprofile"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
