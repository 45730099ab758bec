from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from committee_site.models import Notification
from committee_site.pagination import BadCursor, keyset_page

pytestmark = pytest.mark.django_db
ORDER = ("-created_at", "-id")


@pytest.fixture
def rows(owner):
    now = timezone.now()
    # Pairs share a timestamp, so the id has to break ties.
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=owner, kind="k", title=f"n{i:02d}", body="b", created_at=now - timedelta(minutes=i // 2)
            )
            for i in range(23)
        ]
    )
    return list(Notification.objects.order_by(*ORDER))


def test_walking_forward_then_back_visits_every_row_once_in_order(rows):
    queryset = Notification.objects.all()
    pages = [keyset_page(queryset, ordering=ORDER, cursor=None, per_page=5)]
    while pages[-1].has_next:
        pages.append(keyset_page(queryset, ordering=ORDER, cursor=pages[-1].next_cursor, per_page=5))
    assert [n.pk for page in pages for n in page.items] == [n.pk for n in rows]
    assert [len(page.items) for page in pages] == [5, 5, 5, 5, 3]
    assert not pages[0].has_previous
    back = keyset_page(queryset, ordering=ORDER, cursor=pages[-1].previous_cursor, per_page=5)
    assert [n.pk for n in back.items] == [n.pk for n in pages[-2].items]
    first = keyset_page(queryset, ordering=ORDER, cursor=pages[1].previous_cursor, per_page=5)
    assert [n.pk for n in first.items] == [n.pk for n in pages[0].items]
    assert not first.has_previous
    assert first.has_next


def test_a_late_page_uses_no_offset(rows):
    queryset = Notification.objects.all()
    page = keyset_page(queryset, ordering=ORDER, cursor=None, per_page=20)
    with CaptureQueriesContext(connection) as captured:
        keyset_page(queryset, ordering=ORDER, cursor=page.next_cursor, per_page=20)
    assert len(captured.captured_queries) == 1
    assert "OFFSET" not in captured.captured_queries[0]["sql"].upper()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        "eyJrIjogWzFdLCAiZCI6ICJuIn0",
        "eyJrIjogWyJ4IiwgMV0sICJkIjogIm4ifQ",
        "eyJrIjpbbnVsbCwxXSwiZCI6Im4ifQ",
    ],
)
def test_a_bad_cursor_is_refused(rows, cursor):
    with pytest.raises(BadCursor):
        keyset_page(Notification.objects.all(), ordering=ORDER, cursor=cursor, per_page=5)
