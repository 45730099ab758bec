import threading
from datetime import UTC, datetime

import pytest

from committee_site import clock, notifications
from committee_site.models import Notification, OutgoingEmail
from tests import factories

MOMENT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_frozen_clock_holds_inside_and_lets_go_outside():
    with clock.frozen_at(MOMENT):
        assert clock.now() == MOMENT
        with clock.frozen_at(datetime(2025, 1, 1, tzinfo=UTC)):
            assert clock.now().year == 2025
        assert clock.now() == MOMENT
    assert clock.now() > MOMENT


def test_frozen_clock_does_not_reach_other_threads():
    seen = []
    with clock.frozen_at(MOMENT):
        thread = threading.Thread(target=lambda: seen.append(clock.now()))
        thread.start()
        thread.join()
    assert seen[0] > MOMENT


@pytest.mark.django_db
def test_muted_notifications_tell_nobody(django_capture_on_commit_callbacks):
    user = factories.UserFactory.create()
    unit = factories.UnitFactory.create()
    context = {"unit": unit, "compound": unit.building.compound, "user": user}
    with django_capture_on_commit_callbacks() as callbacks, notifications.muted():
        assert notifications.notify(recipient=user, kind="owner_welcome", context=context) is None
    assert (Notification.objects.count(), OutgoingEmail.objects.count(), callbacks) == (0, 0, [])
    assert notifications.notify(recipient=user, kind="owner_welcome", context=context) is not None
