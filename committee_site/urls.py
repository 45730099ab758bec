from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from api import pages as api_pages
from committee_site import dashboard, links, views
from committee_site.forms import LocalisedPasswordResetForm
from committee_site.throttle import rate_limited

urlpatterns = [
    path("", dashboard.home_view, name="home"),
    path("healthz/", views.healthz_view, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", views.favicon_view),
    path("i18n/language/", views.set_language_view, name="set_language"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/apply/", views.apply_view, name="apply"),
    path("accounts/apply/done/", views.apply_done_view, name="apply_done"),
    path("accounts/", views.account_view, name="account"),
    path("accounts/reminders/", views.account_reminder_email_view, name="account_reminder_email"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "accounts/password/reset/",
        rate_limited("password_reset")(auth_views.PasswordResetView.as_view(form_class=LocalisedPasswordResetForm)),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("compounds/<int:pk>/", views.compound_detail_view, name="compound_detail"),
    path("applications/", views.owner_application_list_view, name="owner_application_list"),
    path("applications/<int:pk>/", views.owner_application_detail_view, name="owner_application_detail"),
    path("applications/<int:pk>/approve/", views.owner_application_approve_view, name="owner_application_approve"),
    path("applications/<int:pk>/reject/", views.owner_application_reject_view, name="owner_application_reject"),
    path("reminders/", views.reminder_list_view, name="reminder_list"),
    path("notifications/", views.notification_list_view, name="notification_list"),
    path("notifications/<int:pk>/open/", views.notification_open_view, name="notification_open"),
    path("notifications/read-all/", views.notifications_mark_all_read_view, name="notifications_mark_all_read"),
    # A complaint's rectification notice joins two apps, so it lives at the top.
    path("complaints/<int:pk>/rectification/", links.complaint_rectification_view, name="complaint_rectification"),
    path("complaints/", include("complaints.urls")),
    path("inspections/", include("inspections.urls")),
    path("records/", include("records.urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("reports.urls")),
    # The complaint mailbox's intake list (待处理邮件).
    path("mail/", include("mailintake.urls")),
    path("api/v1/", include("api.urls")),
    path("accounts/front-code/", api_pages.binding_code_issue_view, name="binding_code_issue"),
    path("admin/", admin.site.urls),
]

handler403 = "committee_site.views.permission_denied_view"
