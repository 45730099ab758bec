from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from committee_site import clock
from committee_site.models import Compound


class ApiClient(models.Model):
    """One front the committee runs (a WeChat official account, a
    mini-program): it reaches the compounds it is scoped to, with a bearer
    token `<key>.<secret>` of which only the secret's SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("client id"), max_length=32, unique=True, editable=False)
    secret_sha256 = models.CharField(_("secret (SHA-256)"), max_length=64, editable=False)
    compounds = models.ManyToManyField(Compound, verbose_name=_("compounds"), related_name="+")
    is_active = models.BooleanField(_("active"), default=True)
    require_signature = models.BooleanField(
        _("require signed requests"),
        default=False,
        help_text=_("Refuse requests without X-Timestamp, X-Nonce and X-Signature (see the README)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name


class FrontIdentity(models.Model):
    """An owner's identity on one front (a WeChat openid), bound to their
    account with a one-time code. Until bound, the openid can only bind."""

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="+")
    openid = models.CharField(_("openid"), max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    bound_at = models.DateTimeField(_("bound at"), default=clock.now)

    class Meta:
        verbose_name = _("front identity")
        verbose_name_plural = _("front identities")
        constraints = [models.UniqueConstraint(fields=["client", "openid"], name="frontidentity_client_openid")]

    def __str__(self) -> str:
        return f"{self.client} · {self.openid}"


class BindingCode(models.Model):
    """A one-time code an owner gets on their account page and types into a
    front; only its SHA-256 is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    code_sha256 = models.CharField(_("code (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("binding code")
        verbose_name_plural = _("binding codes")

    def __str__(self) -> str:
        return f"{self.user} · {self.expires_at:%Y-%m-%d %H:%M}"


class RequestNonce(models.Model):
    """A signed request's nonce, kept while its timestamp is inside the
    window: the same nonce again is a replay. In the database, not the cache,
    because the cache may be each gunicorn worker's own memory."""

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(_("nonce"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("request nonce")
        verbose_name_plural = _("request nonces")
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="requestnonce_client_nonce")]
        indexes = [models.Index(fields=["client", "signed_at"], name="requestnonce_client_signed")]

    def __str__(self) -> str:
        return f"{self.client} · {self.nonce}"
