from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.views import defaults

from committee_site.models import time_limits_scope

Handler = Callable[[HttpRequest], HttpResponse]


class UserLanguageMiddleware:
    """A signed-in user sees the site in the language they chose, on every
    device; LocaleMiddleware's guess (cookie, browser) serves everyone else."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """No inline scripts or styles anywhere, so the policy can forbid them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class SiteNotFoundMiddleware:
    """In debug mode, which is how the demo runs, Django answers a missing page
    with its technical 404 (the URL patterns, in English) and never calls
    handler404. Here a missing page shows the site's own 404 in the user's
    language, as in production. Server errors keep Django's debug page;
    DEBUG_TECHNICAL_404=1 brings the technical 404 back for a developer."""

    def __init__(self, get_response: Handler) -> None:
        if not settings.DEBUG or settings.DEBUG_TECHNICAL_404:
            # Outside debug mode handler404 renders the same template.
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            # No URL matched, so the 404 is Django's, not a view's.
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        return None


class TimeLimitsMiddleware:
    """A request reads the time limits once, however many rows and forms ask
    (TimeLimits.current())."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with time_limits_scope():
            return self.get_response(request)
