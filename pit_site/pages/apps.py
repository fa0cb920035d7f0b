from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pit_site.pages"
    verbose_name = "Patient pages"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from pit_site.clinic.models import Clinic

        from .models import Page, show_new_clinic_details
        from .pagecache import bump_version

        # Pages that show clinic details ({{ clinic.… }}) are re-rendered when they change.
        post_save.connect(
            show_new_clinic_details, sender=Clinic, dispatch_uid="pages-clinic-details"
        )

        # Any change to what public pages show makes every app server drop its cached copies.
        for model in (Page, Clinic):
            post_save.connect(
                bump_version, sender=model, dispatch_uid=f"pagecache-{model.__name__}"
            )
            post_delete.connect(
                bump_version, sender=model, dispatch_uid=f"pagecache-del-{model.__name__}"
            )
