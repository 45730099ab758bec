"""One row per message that reached the complaint mailbox (投诉邮箱). The row
is the claim: its unique key is inserted and committed before anything else
is written, so a rerun, a second MTA delivery or a crash never files twice.
A Mailbox row is an IMAP mailbox the site polls for those messages."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committee_site import clock
from committee_site.access import user_access
from committee_site.workflow import Move, StateMachine

if TYPE_CHECKING:
    from committee_site.models import User


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("inbound message", "Received")
    COMPLAINT_CREATED = "complaint_created", pgettext_lazy("inbound message", "Complaint filed")
    NOTE_ADDED = "note_added", pgettext_lazy("inbound message", "Note added to a complaint")
    WAITING = "waiting", pgettext_lazy("inbound message", "Waiting in the intake list")
    IGNORED = "ignored", pgettext_lazy("inbound message", "Ignored (automatic mail)")
    REFUSED = "refused", pgettext_lazy("inbound message", "Refused")
    DISCARDED = "discarded", pgettext_lazy("inbound message", "Discarded")
    RECORDED = "recorded", pgettext_lazy("inbound message", "Recorded as a complaint")


class Action(models.TextChoices):
    FILE = "file", pgettext_lazy("inbound message", "filed as a complaint")
    NOTE = "note", pgettext_lazy("inbound message", "added as an owner note")
    HOLD = "hold", pgettext_lazy("inbound message", "put in the intake list")
    IGNORE = "ignore", pgettext_lazy("inbound message", "ignored")
    REFUSE = "refuse", pgettext_lazy("inbound message", "refused")
    DISCARD = "discard", pgettext_lazy("inbound message", "discarded")
    RECORD = "record", pgettext_lazy("inbound message", "recorded as a complaint")


PREVIEW_LENGTH = 300

_NEW = frozenset({Status.RECEIVED})

TRANSITIONS = StateMachine(
    name="inbound_message",
    moves={
        Action.FILE: Move(_NEW, Status.COMPLAINT_CREATED, Action.FILE.label),
        Action.NOTE: Move(_NEW, Status.NOTE_ADDED, Action.NOTE.label),
        Action.HOLD: Move(_NEW, Status.WAITING, Action.HOLD.label),
        Action.IGNORE: Move(_NEW, Status.IGNORED, Action.IGNORE.label),
        Action.REFUSE: Move(_NEW, Status.REFUSED, Action.REFUSE.label),
        # The committee's decisions on the intake list.
        Action.DISCARD: Move(frozenset({Status.WAITING}), Status.DISCARDED, Action.DISCARD.label),
        Action.RECORD: Move(frozenset({Status.WAITING}), Status.RECORDED, Action.RECORD.label),
    },
)


class InboundMessageQuerySet(models.QuerySet["InboundMessage"]):
    def visible_to(self, user: User) -> InboundMessageQuerySet:
        """What the committee members' intake list shows: their compounds'
        messages, and the unassigned ones (compound NULL: mail to the site's
        shared address, `mail_ingest` without --compound), which belong to no
        compound yet; members of every committee see those, and the one who
        records one files it in a compound they sit on. A compound's own
        messages reach only its committee: X's members never see Y's mail. A
        site that must keep compounds apart gives each its own address.
        Property staff, officers and owners see none."""
        compound_ids = user_access(user).committee_compound_ids
        if not compound_ids:
            return self.none()
        return self.filter(Q(compound_id__in=list(compound_ids)) | Q(compound__isnull=True))


class InboundMessage(models.Model):
    TRANSITIONS: ClassVar[StateMachine] = TRANSITIONS

    # The Message-ID without its angle brackets, or "sha256:<hex>" of the bytes
    # when the message has none (or one too long to index).
    key = models.CharField(_("message key"), max_length=255, unique=True)
    compound = models.ForeignKey(
        "committee_site.Compound", verbose_name=_("compound"), on_delete=models.PROTECT, null=True, blank=True
    )
    # Lower-cased, so "one reply per address a day" matches whatever the case.
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), default=clock.now)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1)
    reason = models.TextField(_("reason"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    # The start of the text body, HTML already made text, kept at ingest so the
    # intake list shows what a message says without opening its file. Blank
    # for what was refused or could not be read.
    preview = models.CharField(_("preview"), max_length=PREVIEW_LENGTH, blank=True)
    raw = models.FileField(_("message file"), max_length=300, blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note_event = models.ForeignKey(
        "complaints.ComplaintEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the "how to register" answer was queued; bounds replies per address.
    replied_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            models.Index(fields=["compound", "status", "-received_at", "-id"], name="inbound_intake_list"),
            # The intake list's "recent" filter: every status, newest first.
            models.Index(fields=["compound", "-received_at", "-id"], name="inbound_recent"),
            models.Index(fields=["sender", "replied_at"], name="inbound_sender_replied"),
            models.Index(fields=["replied_at"], condition=models.Q(replied_at__isnull=False), name="inbound_replied"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} {self.subject}"


# The prefix every password variable must carry: a Mailbox row can then never
# send another of the site's secrets (SECRET_KEY, DATABASE_URL) to an IMAP server.
PASSWORD_ENV_PREFIX = "MAILBOX_"  # noqa: S105 (a prefix of names, no password)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class MailboxQuerySet(models.QuerySet["Mailbox"]):
    def due(self) -> MailboxQuerySet:
        """The active mailboxes, the longest unpolled first: when one poll runs
        out of time, the ones it did not reach come first the next time."""
        return self.filter(active=True).order_by(models.F("last_polled_at").asc(nulls_first=True), "pk")


class Mailbox(models.Model):
    """An IMAP mailbox the site polls for the complaint mailbox (投诉邮箱) of a
    compound. The password stays in the environment of the processes that poll."""

    compound = models.ForeignKey("committee_site.Compound", verbose_name=_("compound"), on_delete=models.PROTECT)
    address = models.EmailField(
        _("e-mail address"), unique=True, help_text=_("The address owners write to, as shown to them.")
    )
    host = models.CharField(_("IMAP server"), max_length=253)
    port = models.PositiveIntegerField(
        _("port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    use_tls = models.BooleanField(
        _("use TLS"),
        default=True,
        help_text=_(
            "IMAP over TLS (usually port 993). Without it the password travels in clear, so plain IMAP "
            "is allowed only to a server on this machine."
        ),
    )
    username = models.CharField(_("user name"), max_length=254)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        validators=[
            RegexValidator(
                rf"^{PASSWORD_ENV_PREFIX}[A-Z0-9_]+$",
                _("The name of an environment variable starting with MAILBOX_, in capitals, digits and _."),
            )
        ],
        help_text=_(
            "The NAME of the environment variable that holds the password, e.g. MAILBOX_SUNNY_GARDEN_PASSWORD. "
            "The password itself is never stored in the database: set the variable for the web server and "
            "the Celery worker."
        ),
    )
    folder = models.CharField(
        _("folder"),
        max_length=200,
        default="INBOX",
        validators=[RegexValidator(r"^[\x20-\x7e]+$", _("Use the folder's name as the server spells it (ASCII)."))],
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Only active mailboxes are polled."))
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]
        indexes = [models.Index(fields=["active", "last_polled_at"], name="mailbox_due")]
        constraints = [
            # Two rows polling one folder would race to file each message
            # under two compounds; the claim would pick one at random.
            models.UniqueConstraint(fields=["host", "username", "folder"], name="mailbox_one_row_per_folder"),
        ]

    def __str__(self) -> str:
        return self.address

    def clean(self) -> None:
        if not self.use_tls and self.host.strip().lower() not in LOOPBACK_HOSTS:
            raise ValidationError(
                {"use_tls": _("Plain IMAP sends the password in clear: use TLS for a server on another machine.")}
            )

    def password_set(self) -> bool:
        return bool(os.environ.get(self.password_env))
