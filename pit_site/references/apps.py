from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "pit_site.references"
    verbose_name = "References"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Reference
        from .signals import reference_changed

        # Pages citing a reference show its text: re-render them when it changes.
        for signal in (post_save, post_delete):
            signal.connect(reference_changed, sender=Reference, dispatch_uid=f"refs-{signal}")
