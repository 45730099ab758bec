from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _

from api.models import ApiClient
from api.services import api_client_create, api_client_update


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    list_display = ("name", "key", "is_active", "require_signature", "created_by", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key")
    filter_horizontal = ("compounds",)
    readonly_fields = ("key", "created_by", "created_at", "last_used_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Tokens open the owners' complaints to a front: only the site admin issues them.
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiClient, form: ModelForm[Any], change: bool) -> None:
        if change:
            api_client_update(
                by=request.user,  # type: ignore[arg-type]
                client=obj,
                name=form.cleaned_data["name"],
                compounds=form.cleaned_data["compounds"],
                is_active=form.cleaned_data["is_active"],
                require_signature=form.cleaned_data["require_signature"],
            )
            return
        issued = api_client_create(
            by=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            compounds=form.cleaned_data["compounds"],
            is_active=form.cleaned_data["is_active"],
            require_signature=form.cleaned_data["require_signature"],
        )
        obj.pk = issued.client.pk
        obj._state.adding = False
        messages.warning(
            request,
            # The secret is shown this once; the site keeps only its digest.
            _("Copy the token now, it will not be shown again: %(token)s") % {"token": issued.token},
        )

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        # The services have set the compounds already.
        return
