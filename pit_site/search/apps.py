from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "pit_site.search"
    verbose_name = "Site search"

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_delete

        from pit_site.pages.models import Page

        from . import signals
        from .models import Synonym

        post_save.connect(signals.page_saved, sender=Page, dispatch_uid="search-page-saved")
        pre_delete.connect(signals.page_deleted, sender=Page, dispatch_uid="search-page-deleted")
        for signal in (post_save, post_delete):
            signal.connect(
                signals.synonyms_changed, sender=Synonym, dispatch_uid=f"search-{signal}"
            )
