from typing import Any

from django.contrib import admin

from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionPlan,
    RectificationEvent,
    RectificationNotice,
)


class ChecklistSectionInline(admin.TabularInline[ChecklistSection, Any]):
    model = ChecklistSection
    extra = 0


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin[ChecklistTemplate]):
    list_display = ["name", "name_en", "compound", "version", "active"]
    list_filter = ["active"]
    inlines = [ChecklistSectionInline]


class ChecklistItemInline(admin.TabularInline[ChecklistItem, Any]):
    model = ChecklistItem
    extra = 0


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(admin.ModelAdmin[ChecklistSection]):
    list_display = ["name", "template", "points", "order"]
    inlines = [ChecklistItemInline]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin[InspectionPlan]):
    list_display = ["compound", "kind", "recurrence", "template", "active"]
    list_filter = ["kind", "recurrence", "active"]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin[Inspection]):
    """Read-only here: inspections change through the site, where every step is recorded."""

    list_display = ["compound", "kind", "planned_on", "status", "score"]
    list_filter = ["kind", "status"]
    date_hierarchy = "planned_on"

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False


class RectificationEventInline(admin.TabularInline[RectificationEvent, Any]):
    model = RectificationEvent
    extra = 0
    can_delete = False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(admin.ModelAdmin[RectificationNotice]):
    list_display = ["reference", "compound", "title", "severity", "status", "deadline"]
    list_filter = ["status", "severity"]
    search_fields = ["reference", "title"]
    inlines = [RectificationEventInline]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False
