from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailintakeConfig(AppConfig):
    name = "mailintake"
    verbose_name = _("Complaint mailbox")
