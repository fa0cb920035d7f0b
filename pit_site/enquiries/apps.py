from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "pit_site.enquiries"
    verbose_name = "Enquiries"
