"""The frame every action view shares, so that each view is only its service
call: url → view → service. The frame asks the access helper for the object,
validates the form, runs the view's body, turns a refusal (ServiceError:
changed meanwhile, not allowed, bad input) into a message, and redirects back
to the object's page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from committee_site.access import AuthedRequest
from committee_site.models import User
from committee_site.services import ServiceError

T = TypeVar("T")
Body = Callable[[AuthedRequest, T, dict[str, Any]], str | None]


def form_errors_text(form: forms.Form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def action_view(
    *,
    load: Callable[[User, int], T],
    form: type[forms.Form],
    done: Any,
    back: Callable[[T], str],
) -> Callable[[Body[T]], Callable[[AuthedRequest, int], HttpResponse]]:
    """`load(user, pk)` is the object's access helper; `done` the message on
    success (the body may return another); `back(obj)` the page to return to."""

    def decorate(body: Body[T]) -> Callable[[AuthedRequest, int], HttpResponse]:
        @functools.wraps(body)
        def view(request: AuthedRequest, pk: int) -> HttpResponse:
            obj = load(request.user, pk)
            bound = form(request.POST, request.FILES)
            if not bound.is_valid():
                messages.error(request, _("Nothing was saved: %(error)s") % {"error": form_errors_text(bound)})
                return redirect(back(obj))
            try:
                message = body(request, obj, bound.cleaned_data)
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, message or str(done))
            return redirect(back(obj))

        return view

    return decorate
