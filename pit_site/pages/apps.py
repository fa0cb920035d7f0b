from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pit_site.pages"
    verbose_name = "Patient pages"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from pit_site.clinic.models import Clinic, Clinician
        from pit_site.pagecache import watch_public_models

        from .models import show_new_clinic_details, show_new_team

        # Pages that show clinic details ({{ clinic.… }}) are re-rendered when they change.
        post_save.connect(
            show_new_clinic_details, sender=Clinic, dispatch_uid="pages-clinic-details"
        )
        for signal in (post_save, post_delete):
            signal.connect(show_new_team, sender=Clinician, dispatch_uid="pages-team")

        # Any change to what public pages show makes every app server drop its cached copies.
        watch_public_models()
