import io
from datetime import UTC, datetime

import pytest

from records import services
from records.models import RecordKind


def archive(
    compound,
    *,
    by=None,
    kind=RecordKind.MINUTES,
    title="业委会第三次会议纪要",
    body="讨论电梯维修方案。",
    files=(),
    happened_at=None,
    **extra,
):
    """One record in the compound's chain; files as (name, bytes) pairs."""
    stored = [
        services.archive_file_store(name=name, content_type="application/octet-stream", source=io.BytesIO(content))
        for name, content in files
    ]
    return services.record_archive(
        compound=compound,
        kind=kind,
        title=title,
        happened_at=happened_at or datetime(2026, 10, 15, 11, 30, tzinfo=UTC),
        body=body,
        files=stored,
        by=by,
        **extra,
    )


@pytest.fixture
def minutes(compound, committee_member):
    return archive(compound, by=committee_member, files=[("纪要.txt", "会议决定更换电梯钢丝绳。".encode())])
