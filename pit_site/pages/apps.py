from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pit_site.pages"
    verbose_name = "Patient pages"

    def ready(self):
        from pit_site.pagecache import watch_public_models

        # Any change to what public pages show makes every app server drop its cached copies.
        watch_public_models()
