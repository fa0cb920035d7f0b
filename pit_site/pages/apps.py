from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pit_site.pages"
    verbose_name = "Patient pages"
