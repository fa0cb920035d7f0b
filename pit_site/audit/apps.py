from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pit_site.audit"
    verbose_name = "Access audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401
