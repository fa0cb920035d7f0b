from django.contrib import admin

from .models import Synonym, UnmatchedSearch


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["words"]
    search_fields = ["words"]


@admin.register(UnmatchedSearch)
class UnmatchedSearchAdmin(admin.ModelAdmin):
    """What patients looked for and did not find: a list of pages still to write."""

    list_display = ["words", "count", "day"]
    list_filter = ["day"]
    search_fields = ["words"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
