from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from committee_site import reminders
        from complaints.reminders import ComplaintWaiting, DisputeWindowClosing

        reminders.register(ComplaintWaiting())
        reminders.register(DisputeWindowClosing())
