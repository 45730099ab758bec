from django.contrib import admin

from committee_site.admin import ReadOnlyAdmin
from complaints.models import Category, Complaint, ComplaintEvent, Publication


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "name_en", "code", "service_area", "default_responsible", "resolve_days", "order", "active")
    list_editable = ("order", "active")
    search_fields = ("name", "name_en", "code")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "compound", "status", "channel", "category", "submitted_at")
    list_filter = ("status", "channel", "category")
    search_fields = ("reference", "title")
    list_select_related = ("compound", "category")
    show_full_result_count = False


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action",)
    list_select_related = ("complaint", "actor")
    show_full_result_count = False


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("complaint", "scope", "published_by", "published_at")
    list_select_related = ("complaint", "published_by")
