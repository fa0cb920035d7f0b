"""Creating staff groups with their permissions, for the data migrations that define roles."""

from django.contrib.auth.management import create_permissions


def grant(apps, roles):
    """roles: {group name: [(app_label, model, [actions])]}; adds the permissions to each group."""
    # Permissions are normally created after migrations have run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
