"""The owner's side of binding, on the site: the one-time code."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api.services import binding_code_issue
from committee_site.access import AuthedRequest, user_access
from committee_site.throttle import rate_limited


@require_POST
@rate_limited("binding_code")
def binding_code_issue_view(request: AuthedRequest) -> HttpResponse:
    if not user_access(request.user).owner_compound_ids:
        messages.error(request, _("Only a verified owner can link a WeChat account."))
        return redirect("account")
    issued = binding_code_issue(user=request.user)
    # Shown this once, like a password: the site keeps only its digest.
    messages.warning(
        request,
        _("Your code for the WeChat account: %(code)s. It works once, until %(time)s.")
        % {"code": issued.code, "time": timezone.localtime(issued.expires_at).strftime("%H:%M")},
    )
    return redirect("account")
