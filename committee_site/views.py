"""Small views: access helper, form, service, redirect."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from committee_site import queries, services
from committee_site.access import (
    AuthedRequest,
    get_compound_for,
    get_notification_for,
    get_owner_application_for,
    require_committee,
)
from committee_site.actions import action_view
from committee_site.forms import (
    ApplicationFilterForm,
    ApproveApplicationForm,
    LanguageForm,
    NotificationFilterForm,
    OwnerApplicationForm,
    RejectApplicationForm,
    ReminderEmailForm,
    ReminderFilterForm,
)
from committee_site.list_filters import query_without_cursor, valid_filters
from committee_site.models import (
    Notification,
    OwnerApplication,
    Reminder,
    User,
)
from committee_site.pagination import page_or_first
from committee_site.throttle import rate_limited, sign_in_lockout

PER_PAGE = 25
log = logging.getLogger(__name__)


def _safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# --- accounts -----------------------------------------------------------------


@login_not_required
@sensitive_post_parameters()
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("sign_in")
def login_view(request: HttpRequest) -> HttpResponse:
    # Lock-outs are django-axes' (settings: AXES_*): its backend refuses a
    # locked (account, address) pair before the password is checked, and its
    # middleware answers with login_locked_out below.
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("home"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        # django.contrib.auth.login rotates the session key.
        auth_login(request, user)
        response = redirect(next_url)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response
    return render(request, "registration/login.html", {"form": form, "next": next_url})


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying how long this
    account waits from this address, or this address for every account."""
    lockout = sign_in_lockout(request, credentials)
    if lockout.by_address:
        message = ngettext(
            "Too many failed sign-ins from your network. Try again in %(minutes)s minute.",
            "Too many failed sign-ins from your network. Try again in %(minutes)s minutes.",
            lockout.minutes,
        )
    else:
        message = ngettext(
            "Too many failed sign-ins to this account from your network. Try again in %(minutes)s minute, "
            "or reset your password by e-mail: that lifts the lock at once.",
            "Too many failed sign-ins to this account from your network. Try again in %(minutes)s minutes, "
            "or reset your password by e-mail: that lifts the lock at once.",
            lockout.minutes,
        )
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    form.cleaned_data = {}
    form.add_error(None, message % {"minutes": lockout.minutes})
    next_url = _safe_next(request, request.POST.get("next"), reverse("home"))
    response = render(request, "registration/login.html", {"form": form, "next": next_url}, status=429)
    response["Retry-After"] = str(lockout.seconds)
    return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset flow; the new password also lifts every sign-in
    lock-out of the account, so the owner can use it at once."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.login_failures_clear(user=form.user)
        return response


@login_not_required
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
@rate_limited("apply")
def apply_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = OwnerApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Taken or not, the username is accepted here: an anonymous visitor
        # learns nothing about accounts. The committee confirms it at approval.
        services.owner_application_submit(
            full_name=data["full_name"],
            email=data["email"],
            phone=data["phone"],
            unit=data["unit"],
            username=data["username"],
            password=data["password1"],
            language=translation.get_language() or settings.LANGUAGE_CODE,
            note=data["note"],
        )
        return redirect("apply_done")
    return render(request, "committee_site/apply.html", {"form": form})


@login_not_required
@require_GET
def apply_done_view(request: HttpRequest) -> HttpResponse:
    return render(request, "committee_site/apply_done.html")


@login_not_required
@require_POST
@rate_limited("step")
def set_language_view(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    fallback = reverse("home") if request.user.is_authenticated else reverse("login")
    if not form.is_valid():
        messages.error(request, _("This language is not available."))
        return redirect(fallback)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    translation.activate(language)
    response = HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"], fallback))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


@require_GET
def account_view(request: AuthedRequest) -> HttpResponse:
    return _account(request, ReminderEmailForm(initial={"reminder_email": request.user.reminder_email}))


def _account(request: AuthedRequest, reminder_form: ReminderEmailForm, *, status: int = 200) -> HttpResponse:
    page = queries.account_page(request.user)
    return render(
        request,
        "committee_site/account.html",
        {"profile": page.profile, "memberships": page.memberships, "reminder_form": reminder_form},
        status=status,
    )


@require_POST
@rate_limited("step")
def account_reminder_email_view(request: AuthedRequest) -> HttpResponse:
    form = ReminderEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _account(request, form, status=400)
    services.user_set_reminder_email(user=request.user, reminder_email=form.cleaned_data["reminder_email"])
    messages.success(request, _("Saved: %(choice)s.") % {"choice": request.user.get_reminder_email_display()})
    return redirect("account")


# --- home and compounds -------------------------------------------------------


@require_GET
def compound_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    compound = get_compound_for(request.user, pk)
    page = queries.compound_page(compound)
    return render(
        request,
        "committee_site/compound_detail.html",
        {"compound": compound, "buildings": page.buildings, "contract": page.contract, "area_rows": page.area_rows},
    )


# --- owner applications -------------------------------------------------------


@require_GET
def owner_application_list_view(request: AuthedRequest) -> HttpResponse:
    require_committee(request.user)
    filters = ApplicationFilterForm(request.GET)
    status = filters.status_or_default()
    if filters.errors:
        messages.warning(request, _("Unknown filter; showing the applications waiting for a decision."))
    queryset = (
        OwnerApplication.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("unit__building__compound", "decided_by")
    )
    page = page_or_first(request, queryset, ordering=("-created_at", "-id"), per_page=PER_PAGE)
    return render(
        request,
        "committee_site/owner_application_list.html",
        {"page": page, "status": status, "statuses": OwnerApplication.Status.choices},
    )


@require_GET
def owner_application_detail_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _application_detail(request, get_owner_application_for(request.user, pk))


def _application_detail(
    request: AuthedRequest, application: OwnerApplication, *, reject_form: RejectApplicationForm | None = None
) -> HttpResponse:
    return render(
        request,
        "committee_site/owner_application_detail.html",
        {
            "application": application,
            "approve_form": ApproveApplicationForm(
                initial={"version": application.version, "username": application.username}
            ),
            "username_in_use": application.status == OwnerApplication.Status.PENDING
            and queries.username_in_use(application.username, besides=application),
            "reject_form": reject_form or RejectApplicationForm(initial={"version": application.version}),
        },
        status=400 if reject_form is not None else 200,
    )


def _application_page(application: OwnerApplication) -> str:
    return reverse("owner_application_detail", args=[application.pk])


def _application_to_decide(user: User, pk: int) -> OwnerApplication:
    return get_owner_application_for(user, pk, write=True)


@require_POST
@rate_limited("step")
@action_view(load=_application_to_decide, form=ApproveApplicationForm, done="", back=_application_page)
def owner_application_approve_view(request: AuthedRequest, application: OwnerApplication, data: dict[str, Any]) -> str:
    user = services.owner_application_approve(
        application=application, by=request.user, seen_version=data["version"], username=data["username"]
    )
    return _("Approved. %(name)s can now sign in as “%(username)s”.") % {"name": user, "username": user.username}


@require_POST
@rate_limited("step")
def owner_application_reject_view(request: AuthedRequest, pk: int) -> HttpResponse:
    application = get_owner_application_for(request.user, pk, write=True)
    form = RejectApplicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _application_detail(request, application, reject_form=form)
    try:
        services.owner_application_reject(
            application=application,
            by=request.user,
            seen_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except services.ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rejected. The applicant has been told the reason by e-mail."))
    return redirect("owner_application_detail", pk=pk)


# --- reminders ----------------------------------------------------------------


@require_GET
def reminder_list_view(request: AuthedRequest) -> HttpResponse:
    from committee_site.reminders import kind_label

    compound_ids = require_committee(request.user)
    form = ReminderFilterForm(request.GET or None, compound_ids=compound_ids)
    data = valid_filters(request, form, known_keys=ReminderFilterForm.KNOWN_KEYS)
    queryset, ordering = queries.reminder_list(compound_ids, data)
    page = page_or_first(request, queryset, ordering=ordering, per_page=PER_PAGE)
    state = data.get("state") or Reminder.Status.PENDING
    return render(
        request,
        "committee_site/reminder_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(reminder, kind_label(reminder.kind)) for reminder in page.items],
            "state": state,
            "state_label": Reminder.Status(state).label,
            "states": Reminder.Status.choices,
            # The state pills keep the other filters.
            "other_filters": urlencode({key: request.GET[key] for key in ("compound", "kind") if request.GET.get(key)}),
            "several_compounds": len(compound_ids) > 1,
            "pager_query": query_without_cursor(request, ReminderFilterForm.KNOWN_KEYS),
        },
    )


# --- notifications ------------------------------------------------------------


@require_GET
def notification_list_view(request: AuthedRequest) -> HttpResponse:
    filters = NotificationFilterForm(request.GET)
    reminders_only = filters.reminders_only()
    if filters.errors:
        messages.warning(request, _("Unknown filter; showing every notification."))
    queryset = Notification.objects.for_user(request.user)
    if reminders_only:
        queryset = queryset.reminders()
    page = page_or_first(request, queryset, ordering=("-created_at", "-id"), per_page=PER_PAGE)
    return render(
        request,
        "committee_site/notification_list.html",
        {
            "page": page,
            "reminders_only": reminders_only,
            "pager_query": f"show={NotificationFilterForm.REMINDERS}" if reminders_only else "",
        },
    )


@require_POST
def notification_open_view(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = get_notification_for(request.user, pk)
    services.notification_mark_read(notification=notification)
    return redirect(_safe_next(request, notification.url, reverse("notification_list")))


@require_POST
def notifications_mark_all_read_view(request: AuthedRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("Marked %(count)s notification as read.", "Marked %(count)s notifications as read.", count)
        % {"count": count},
    )
    return redirect("notification_list")


# --- operations ---------------------------------------------------------------


def _broker_down() -> str | None:
    from committee_site.celery import app

    try:
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            # The filesystem transport "connects" anywhere: check its folder.
            folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
            folder.mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK):
                return f"cannot write to {folder}"
            return None
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _database_down() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@login_not_required
@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> JsonResponse:
    problems = {name: error for name, error in (("database", _database_down()), ("broker", _broker_down())) if error}
    if problems:
        # The probe is public: name what is down, keep the details in the log.
        for name, error in problems.items():
            log.error("healthz: %s is down: %s", name, error)
        return JsonResponse({"status": "down", "down": sorted(problems)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "broker": "ok"})


@login_not_required
@require_GET
def favicon_view(request: HttpRequest) -> HttpResponse:
    # Looked up per request: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def permission_denied_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)
