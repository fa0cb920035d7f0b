"""Keep the search index current: a saved page is indexed again at once, in the same
transaction as the save (a draft's documents are removed)."""

from django.core.cache import cache

from pit_site.pages.models import Kind, Page

from . import index
from .engine import SYNONYMS_KEY
from .models import SearchDocument


def page_saved(sender, instance, **kwargs):
    pages = [instance]
    if instance.kind == Kind.SECTION:  # its pages' breadcrumbs show its title
        pages += Page.objects.filter(path__startswith=f"{instance.path}/")
    index.reindex(pages, Page, SearchDocument)


def page_deleted(sender, instance, **kwargs):
    index.remove(instance, SearchDocument)


def synonyms_changed(**kwargs):
    cache.delete_many([SYNONYMS_KEY, index.VOCABULARY_KEY])
