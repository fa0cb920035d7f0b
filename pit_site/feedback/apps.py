from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "pit_site.feedback"
    verbose_name = "Page feedback"
