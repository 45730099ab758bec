"""The same message delivered twice at the same moment (an MTA retrying, two
pollers): each through its own database connection, exactly one files it."""

import pytest

from complaints.models import Complaint
from mailintake.models import InboundMessage, Status
from mailintake.services import Ingested, message_ingest
from tests.mailintake.test_services import eml
from tests.races import postgresql_only, race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    postgresql_only,
]


def test_message_ingest_same_message_at_once_files_one_complaint(owner):
    raw = eml(sender=owner.email, message_id="<twice-at-once@mail.example>")
    outcomes = race(
        (lambda: raw, lambda r: message_ingest(raw=r)),
        (lambda: raw, lambda r: message_ingest(raw=r)),
    )
    assert all(isinstance(o, Ingested) for o in outcomes), outcomes
    assert sorted(o.duplicate for o in outcomes) == [False, True]
    assert Complaint.objects.count() == 1
    assert InboundMessage.objects.get().status == Status.COMPLAINT_CREATED
