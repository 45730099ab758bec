from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeSiteConfig(AppConfig):
    name = "committee_site"
    verbose_name = _("Committee site")

    def ready(self) -> None:
        from committee_site import reminders

        reminders.register(reminders.OwnerApplicationWaiting())
