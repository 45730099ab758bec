from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from committee_site.models import (
    AuditEvent,
    Building,
    Compound,
    Membership,
    Notification,
    Organisation,
    OutgoingEmail,
    OwnerApplication,
    OwnerProfile,
    PeriodicRun,
    ServiceArea,
    ServiceContract,
    ServiceStandard,
    TimeLimits,
    Unit,
    User,
)
from committee_site.services import email_requeue, time_limits_update

admin.site.site_header = _("Committee site administration")
admin.site.site_title = _("Committee site")
admin.site.index_title = _("Compounds, organisations, accounts and settings")


class MembershipInline(admin.TabularInline[Membership, Any]):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Preferences"), {"fields": ("language",)}))
    list_display = ("username", "email", "first_name", "language", "is_active", "is_staff")
    inlines = [MembershipInline]


class BuildingInline(admin.TabularInline[Building, Any]):
    model = Building
    extra = 0


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin[Compound]):
    list_display = ("name", "name_en", "address", "committee", "property_company", "community_office")
    search_fields = ("name", "name_en", "address")
    autocomplete_fields = ["committee", "property_company", "community_office"]
    inlines = [BuildingInline]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin[Building]):
    list_display = ("__str__", "compound", "sort_key")
    list_filter = ("compound",)
    search_fields = ("number", "compound__name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("number", "building")
    list_filter = ("building__compound",)
    search_fields = ("number", "building__number", "building__compound__name")
    autocomplete_fields = ["building"]
    list_select_related = ("building",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "name_en", "kind", "phone", "email")
    list_filter = ("kind",)
    search_fields = ("name", "name_en")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "organisation", "role", "active")
    list_filter = ("role", "active", "organisation__kind")
    search_fields = ("user__username", "user__first_name", "organisation__name")
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ("user", "organisation")


@admin.register(OwnerProfile)
class OwnerProfileAdmin(admin.ModelAdmin[OwnerProfile]):
    list_display = ("user", "phone", "verified_by", "verified_at")
    search_fields = ("user__username", "user__first_name", "phone")
    autocomplete_fields = ["user", "units", "verified_by"]
    list_select_related = ("user", "verified_by")


@admin.register(OwnerApplication)
class OwnerApplicationAdmin(admin.ModelAdmin[OwnerApplication]):
    """Read-only here: the committee decides on the site, where the decision
    is recorded and the applicant told."""

    list_display = ("full_name", "unit", "username", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("full_name", "username", "email", "phone")
    list_select_related = ("unit__building", "decided_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin[ServiceArea]):
    list_display = ("name", "name_en", "code", "order", "active")
    list_editable = ("order", "active")
    search_fields = ("name", "name_en", "code")


class ServiceStandardInline(admin.TabularInline[ServiceStandard, Any]):
    model = ServiceStandard
    extra = 1


@admin.register(ServiceContract)
class ServiceContractAdmin(admin.ModelAdmin[ServiceContract]):
    list_display = ("compound", "property_company", "starts_on", "ends_on")
    list_filter = ("compound",)
    autocomplete_fields = ["compound", "property_company"]
    inlines = [ServiceStandardInline]


@admin.register(TimeLimits)
class TimeLimitsAdmin(admin.ModelAdmin[TimeLimits]):
    """One row: the list goes straight to it, and it can be neither added nor
    deleted. A change goes through the service, which writes the audit row."""

    fieldsets = (
        (
            _("Complaints"),
            {
                "fields": (
                    "accept_hours",
                    "reply_days",
                    "resolve_urgent_hours",
                    "resolve_normal_days",
                    "resolve_complex_days",
                    "callback_days",
                    "dispute_days",
                    "due_soon_hours",
                    "complaint_photos",
                )
            },
        ),
        (_("Hot spots"), {"fields": ("hot_spot_count", "hot_spot_days")}),
        (
            _("Inspections and rectification"),
            {
                "fields": (
                    "rectify_critical_hours",
                    "rectify_general_days",
                    "reinspect_days",
                    "joint_inspections_per_quarter",
                    "plan_ahead_days",
                    "plan_remind_days",
                )
            },
        ),
        (_("Archive"), {"fields": ("retention_years",)}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        limits = TimeLimits.load()
        return HttpResponseRedirect(reverse("admin:committee_site_timelimits_change", args=[limits.pk]))

    def save_model(self, request: HttpRequest, obj: TimeLimits, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        time_limits_update(by=request.user, values={name: form.cleaned_data[name] for name in form.changed_data})


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """For records that change only through the site's services, where each
    change is checked, recorded and told to the people concerned."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "title")
    list_select_related = ("recipient",)


@admin.display(description=_("last error"))
def short_error(row: OutgoingEmail | PeriodicRun) -> str:
    return row.last_error[:120]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """What the mail server refused, and when it is tried again; failed
    e-mails can be sent again once the mail settings are fixed."""

    list_display = ("subject", "to", "status", "attempts", "next_attempt_at", short_error, "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description=_("Send the failed e-mails again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        assert isinstance(request.user, User)
        queued = email_requeue(emails=list(queryset), by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", queued) % {"count": queued},
        )


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    """Every beat entry with its last run and last failure; the entries that
    never ran are named above the list, since they have no row yet."""

    list_display = (
        "task",
        "schedule",
        "last_started_at",
        "last_succeeded_at",
        "last_duration",
        "last_failed_at",
        short_error,
        "runs",
        "failures",
    )
    ordering = ("task",)

    @staticmethod
    def _schedules() -> dict[str, str]:
        from committee_site.celery import app as celery_app

        # "<crontab: */15 * * * * (m/h/dM/MY/d)>" read as the crontab line "*/15 * * * *".
        return {
            entry["task"]: str(entry["schedule"]).removeprefix("<crontab: ").removesuffix(" (m/h/dM/MY/d)>")
            for entry in celery_app.conf.beat_schedule.values()
        }

    @admin.display(description=_("schedule"))
    def schedule(self, run: PeriodicRun) -> str:
        return self._schedules().get(run.task, "—")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        recorded = set(PeriodicRun.objects.values_list("task", flat=True))
        never_run = sorted(set(self._schedules()) - recorded)
        return super().changelist_view(request, {**(extra_context or {}), "never_run": never_run})


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "compound")
    list_filter = ("action",)
    search_fields = ("object_id", "actor__username")
    list_select_related = ("actor", "compound")
