"""Watch sessions in the admin: who watched what, how it ended, every turn (read-only)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from watch.models import WatchMessage, WatchSession


class WatchMessageInline(admin.TabularInline):
    model = WatchMessage
    fields = ("seq", "persona", "author", "status", "content", "created_at")
    readonly_fields = fields
    ordering = ("seq",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WatchSession)
class WatchSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "state", "seat", "share_enabled", "started_at", "ended_at")
    list_filter = ("state", "theme", "share_enabled", "started_at")
    search_fields = ("title", "user__username", "user__email")
    readonly_fields = (
        "id",
        "user",
        "theme",
        "scenario",
        "ai_personas",
        "started_at",
        "ended_at",
        "commentary",
        "feedback",
    )
    fields = ("id", "user", "title", "theme", "scenario", "ai_personas", "state", "pace", "seat", "share_enabled",
              "started_at", "ended_at", "commentary", "feedback")  # fmt: skip
    date_hierarchy = "started_at"
    inlines = [WatchMessageInline]
    list_select_related = ("user",)
