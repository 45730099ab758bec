import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only: the refusal")
def test_the_list_benchmark_refuses_sqlite_with_a_clear_reason():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench_complaint_list", "--rows", "10")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: generate_series and EXPLAIN")
def test_the_list_benchmark_pages_to_the_end_by_key_without_offset():
    # The million-row figures come from running the command by hand (see the report);
    # here a small table checks that the measurement itself works.
    out = io.StringIO()
    call_command("bench_complaint_list", "--rows", "3000", "--repeat", "1", stdout=out)
    text = out.getvalue()
    assert "3000 complaints in the benchmark compound" in text
    assert text.count("page query (no OFFSET)") == 4
    assert "Index" in text
    for sort in ("newest", "oldest", "deadline", "updated"):
        assert f"sort={sort}: first page best" in text
