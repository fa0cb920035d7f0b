from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from pit_site.pages.models import Page

from .engine import search
from .models import UnmatchedSearch

# Offered when nothing matches, in this order: the pages most patients need.
USEFUL_PAGES = ["what-is-pit", "conditions", "your-treatment", "faqs", "fees", "contact"]


@require_safe
def results(request):
    raw = request.GET.get("q", "")
    outcome = search(raw)
    context = {"outcome": outcome, "query": outcome.query}
    if outcome.query and not outcome.results:
        UnmatchedSearch.record(outcome.query, timezone.localdate())
        found = {p.path: p for p in Page.objects.published().filter(path__in=USEFUL_PAGES)}
        context["useful_pages"] = [found[path] for path in USEFUL_PAGES if path in found]
    response = render(request, "search/results.html", context)
    patch_cache_control(response, public=True, max_age=60)
    return response
