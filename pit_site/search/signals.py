"""Keep the search index current: a saved page is indexed again at once, in the same
transaction as the save (a draft's documents are removed)."""

from pit_site.pages.models import Kind, Page

from . import index
from .models import SearchDocument


def page_saved(sender, instance, **kwargs):
    pages = [instance]
    if instance.kind == Kind.SECTION:  # its pages' breadcrumbs show its title
        pages += Page.objects.filter(path__startswith=f"{instance.path}/")
    index.reindex(pages, Page, SearchDocument)


def page_deleted(sender, instance, **kwargs):
    index.remove(instance, SearchDocument)


def synonyms_changed(**kwargs):
    index.changed()
