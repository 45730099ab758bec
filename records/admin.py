"""The archive in the Django admin: to look, never to touch. Nothing can be
added, changed or deleted here, and there are no bulk actions; the models
and, on PostgreSQL, the triggers refuse as well."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from committee_site.admin import ReadOnlyAdmin
from records.models import ArchiveFile, ArchiveRecord, Disposal, RecordPublication


class ArchiveAdmin(ReadOnlyAdmin):
    actions = None
    show_full_result_count = False


class ArchiveFileInline(admin.TabularInline[ArchiveFile, Any]):
    model = ArchiveFile
    extra = 0
    fields = ("position", "name", "content_type", "size", "sha256")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ArchiveAdmin):
    list_display = ("number", "title", "compound", "kind", "sequence", "happened_at", "created_at")
    list_filter = ("kind", "compound")
    search_fields = ("number", "title")
    list_select_related = ("compound",)
    exclude = ("search_tokens",)
    inlines = [ArchiveFileInline]


@admin.register(ArchiveFile)
class ArchiveFileAdmin(ArchiveAdmin):
    list_display = ("name", "record", "position", "content_type", "size", "sha256")
    list_filter = ("record__kind", "record__compound")
    search_fields = ("record__number", "record__title", "name")
    list_select_related = ("record",)


@admin.register(RecordPublication)
class RecordPublicationAdmin(ArchiveAdmin):
    list_display = ("record", "scope", "building", "at", "by")
    list_filter = ("scope", "record__kind", "record__compound")
    search_fields = ("record__number", "record__title")
    list_select_related = ("record", "building", "by")


@admin.register(Disposal)
class DisposalAdmin(ArchiveAdmin):
    """Decided by two committee members on the site, never here."""

    list_display = ("record", "status", "proposed_by", "proposed_at", "decided_by", "decided_at")
    list_filter = ("status", "record__compound")
    search_fields = ("record__number", "record__title")
    list_select_related = ("record", "proposed_by", "decided_by")
