from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from committee_site import reminders
        from inspections.reminders import SOURCES

        for source in SOURCES:
            reminders.register(source())
