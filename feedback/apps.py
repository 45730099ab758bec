from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # A reply opens a callback in its own transaction, and the complaint's
        # other moves settle it; complaints may not import this app (DESIGN.md §2).
        from complaints.models import TRANSITIONS
        from feedback.services.callbacks import complaint_followed

        TRANSITIONS.follow(complaint_followed)

        from committee_site import reminders
        from feedback.reminders import CallbackDue, SurveyClosing

        reminders.register(CallbackDue())
        reminders.register(SurveyClosing())
