from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pit_site.accounts"
    verbose_name = "Staff sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401
