from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committee_site.admin import ReadOnlyAdmin
from mailintake.models import InboundMessage, Mailbox
from mailintake.polling import MAILBOX_FIELDS, mailbox_create, mailbox_update


# Read-only until the committee's intake page exists: the site admin can see
# what the mailbox received and why each message went where it went.
@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "subject", "status", "compound", "complaint", "size")
    list_filter = ("status",)
    search_fields = ("key", "sender")
    list_select_related = ("compound", "complaint")
    show_full_result_count = False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    """The IMAP mailboxes the beat polls. Changes go through the services,
    which write the audit rows; a mailbox is switched off, not deleted, so its
    history stays readable."""

    list_display = ("address", "compound", "host", "active", "password_variable_set", "last_polled_at", "last_error")
    list_filter = ("active",)
    list_select_related = ("compound",)
    search_fields = ("address", "host", "username")
    show_full_result_count = False
    fields = (
        "compound",
        "address",
        ("host", "port", "use_tls"),
        "username",
        "password_env",
        "password_variable",
        "folder",
        "active",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("password_variable", "last_polled_at", "last_error")

    def has_module_permission(self, request: HttpRequest) -> bool:
        # The row names a password and a server to send it to: the site admin's alone.
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Mailbox | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Mailbox | None = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Mailbox | None = None) -> bool:
        return False

    @admin.display(boolean=True, description=gettext_lazy("password variable set"))
    def password_variable_set(self, obj: Mailbox) -> bool:
        return obj.password_set()

    @admin.display(description=gettext_lazy("password"))
    def password_variable(self, obj: Mailbox) -> str:
        if not obj.pk:
            return "–"
        if obj.password_set():
            return _("The environment variable %(name)s is set in this web process.") % {"name": obj.password_env}
        return format_html(
            '<strong class="errornote" data-testid="password-not-set">{}</strong>',
            _(
                "The environment variable %(name)s is NOT set in this web process: the mailbox cannot be "
                "polled until it is set for the Celery worker (and for mail_poll)."
            )
            % {"name": obj.password_env},
        )

    def save_model(self, request: HttpRequest, obj: Mailbox, form: ModelForm[Any], change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in MAILBOX_FIELDS if name in form.cleaned_data}
        if change:
            saved = mailbox_update(by=request.user, mailbox=obj, values=values)  # type: ignore[arg-type]
        else:
            saved = mailbox_create(by=request.user, values=values)  # type: ignore[arg-type]
            obj.pk = saved.pk
            obj._state.adding = False
        if not saved.password_set():
            messages.warning(
                request,
                _(
                    "The environment variable %(name)s is not set in this web process. Set it, with the "
                    "mailbox's password, for the Celery worker (and for mail_poll), then restart them."
                )
                % {"name": saved.password_env},
            )
