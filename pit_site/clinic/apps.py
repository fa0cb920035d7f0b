from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "pit_site.clinic"
    verbose_name = "Clinic details"
