"""Tamper evidence: the chain verifies intact, and every change made behind
the ORM's back (a row, a file on disk, a row deleted in the middle or at the
end) is reported at the right record with the right reason. Two records
archived at once for one compound never fork the chain."""

from contextlib import contextmanager

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from committee_site.models import Compound
from records import chain
from records.chain import GENESIS, chain_verify, reason_words
from records.models import ArchiveRecord, ChainHead
from records.queries import chain_head
from tests.races import postgresql_only, race
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(compound, committee_member):
    """Five records, each with a file."""
    return [
        archive(compound, by=committee_member, title=f"第{n}次会议纪要", files=[(f"纪要{n}.txt", f"内容{n}".encode())])
        for n in range(1, 6)
    ]


@contextmanager
def behind_the_orms_back():
    """A cursor that may change archive rows: SQLite has no trigger; on
    PostgreSQL the test switches the triggers off inside its own transaction
    (rolled back with the test) and on again."""
    tables = ("records_archiverecord", "records_archivefile")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's inserts leave deferred foreign-key checks pending,
            # and a table with pending trigger events cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_intact_chain_reports_count_and_head(compound, five):
    report = chain_verify(compound.pk)
    assert report.intact
    assert report.count == 5
    assert report.head_hash == five[-1].hash
    assert [r.previous_hash for r in five] == [GENESIS] + [r.hash for r in five[:-1]]
    assert chain_head(compound.pk) == (5, five[-1].hash)


def test_empty_chain_is_intact(compound):
    report = chain_verify(compound.pk)
    assert (report.intact, report.count, report.head_hash) == (True, 0, GENESIS)
    assert chain_head(compound.pk) == (0, GENESIS)


def test_a_row_changed_behind_the_orms_back_is_reported_at_that_record(compound, five):
    with behind_the_orms_back() as cursor:
        cursor.execute("UPDATE records_archiverecord SET body = %s WHERE id = %s", ["改过的内容", five[2].pk])
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.broken_sequence, report.reason) == (five[2].number, 3, "content")
    assert report.count == 2
    assert report.head_hash == five[1].hash


def test_a_changed_hash_is_reported_where_it_no_longer_matches(compound, five):
    with behind_the_orms_back() as cursor:
        cursor.execute("UPDATE records_archiverecord SET hash = %s WHERE id = %s", ["f" * 64, five[1].pk])
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.reason) == (five[1].number, "content")


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(compound, five):
    """Whoever recomputes a changed record's hash breaks the link of the record after it."""
    record = ArchiveRecord.objects.get(pk=five[1].pk)
    record.body = "改过的内容"
    files = list(record.files.all())
    new_hash = chain.record_hash(record.previous_hash, chain.record_content(record, files, None))
    with behind_the_orms_back() as cursor:
        cursor.execute("UPDATE records_archiverecord SET body = %s, hash = %s WHERE id = %s",
                       [record.body, new_hash, record.pk])  # fmt: skip
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.broken_sequence, report.reason) == (five[2].number, 3, "link")


def test_a_file_hash_changed_in_the_table_is_reported_as_content(compound, five):
    with behind_the_orms_back() as cursor:
        cursor.execute("UPDATE records_archivefile SET sha256 = %s WHERE record_id = %s", ["0" * 64, five[3].pk])
    report = chain_verify(compound.pk, check_files=False)
    assert (report.broken_number, report.reason) == (five[3].number, "content")


def test_a_file_changed_on_disk_is_reported_at_its_record(compound, five):
    stored = five[3].files.get()
    with open(default_storage.path(stored.stored_as), "wb") as handle:
        handle.write("被替换的内容".encode())
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.broken_sequence, report.reason) == (
        five[3].number,
        4,
        "file_changed:纪要4.txt",
    )
    # The records themselves are as archived: only the file check sees it.
    assert chain_verify(compound.pk, check_files=False).intact


def test_a_file_missing_from_disk_is_reported_at_its_record(compound, five):
    default_storage.delete(five[0].files.get().stored_as)
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.broken_sequence, report.reason) == (
        five[0].number,
        1,
        "file_missing:纪要1.txt",
    )


def test_a_row_deleted_in_the_middle_is_reported_at_the_record_after_it(compound, five):
    with behind_the_orms_back() as cursor:
        cursor.execute("DELETE FROM records_archivefile WHERE record_id = %s", [five[2].pk])
        cursor.execute("DELETE FROM records_archiverecord WHERE id = %s", [five[2].pk])
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.broken_sequence, report.reason) == (five[3].number, 4, "missing_before")
    assert report.count == 2


def test_the_first_row_deleted_is_reported(compound, five):
    with behind_the_orms_back() as cursor:
        cursor.execute("DELETE FROM records_archivefile WHERE record_id = %s", [five[0].pk])
        cursor.execute("DELETE FROM records_archiverecord WHERE id = %s", [five[0].pk])
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.reason) == (five[1].number, "missing_before")


def test_the_last_row_deleted_is_noticed_by_the_chain_head(compound, five):
    with behind_the_orms_back() as cursor:
        cursor.execute("DELETE FROM records_archivefile WHERE record_id = %s", [five[4].pk])
        cursor.execute("DELETE FROM records_archiverecord WHERE id = %s", [five[4].pk])
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.broken_sequence, report.reason) == (None, 5, "missing_after")
    assert (report.count, report.head_count) == (4, 5)


def test_a_chain_head_naming_another_hash_is_reported(compound, five):
    ChainHead.objects.filter(compound=compound).update(hash="e" * 64)
    report = chain_verify(compound.pk)
    assert (report.broken_number, report.reason) == (five[4].number, "head")


def test_a_record_archived_after_the_head_was_read_is_not_missing(compound, five, monkeypatch):
    """The walk reads the head first; a record added meanwhile is past it."""
    rows = chain.chain_rows

    def rows_after_one_more(compound_id):
        archive(Compound.objects.get(pk=compound_id), title="期间归档的记录")
        return rows(compound_id)

    monkeypatch.setattr(chain, "chain_rows", rows_after_one_more)
    report = chain_verify(compound.pk)
    assert report.intact
    assert report.count == 6


def test_other_compounds_chains_are_their_own(compound, other_compound, five):
    theirs = archive(other_compound, title="别的小区")
    assert theirs.sequence == 1
    assert theirs.previous_hash == GENESIS
    assert chain_verify(other_compound.pk).count == 1
    assert chain_verify(compound.pk).count == 5


@pytest.mark.parametrize(
    ("reason", "english", "chinese"),
    [
        ("missing_before", "a record before it is missing", "缺少"),
        ("link", "does not follow the record before it", "衔接"),
        ("content", "changed after it was archived", "修改"),
        ("file_missing:a.pdf", "its file “a.pdf” is missing", "a.pdf"),
        ("file_changed:a.pdf", "its file “a.pdf” was changed", "a.pdf"),
        ("missing_after", "records after position 3 are missing", "3"),
        ("head", "the chain was rewritten", "改写"),
    ],
)
def test_reasons_are_said_in_words_in_both_languages(reason, english, chinese):
    report = chain.ChainReport(1, 3, GENESIS, "DA-JY-2026-000004", 4, reason, head_count=5)
    with translation.override("en"):
        in_english = reason_words(report)
    with translation.override("zh-hans"):
        in_chinese = reason_words(report)
    assert english in in_english
    assert chinese in in_chinese
    assert in_chinese != in_english


def test_verify_walks_in_a_fixed_number_of_queries(compound, committee_member, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(chain, "CHUNK", 2)
    archive(compound, by=committee_member, files=[("a.txt", b"a")])
    with django_assert_num_queries(3):
        assert chain_verify(compound.pk, check_files=False).count == 1
    for n in range(9):
        archive(compound, by=committee_member, title=f"纪要{n}", files=[("a.txt", b"a"), ("b.txt", b"b")])
    with django_assert_num_queries(3):
        assert chain_verify(compound.pk, check_files=False).count == 10


# --- verify_archive -----------------------------------------------------------------


def test_verify_archive_command_says_intact_for_each_compound(compound, other_compound, five, capsys):
    theirs = archive(other_compound)
    call_command("verify_archive")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{compound.name_en} (#{compound.pk}): intact, 5 records, head hash {five[-1].hash}",
        f"{other_compound.name_en} (#{other_compound.pk}): intact, 1 records, head hash {theirs.hash}",
    ]


def test_verify_archive_command_exits_non_zero_and_names_the_broken_record(compound, other_compound, five, capsys):
    archive(other_compound)
    with behind_the_orms_back() as cursor:
        cursor.execute("UPDATE records_archiverecord SET title = %s WHERE id = %s", ["改", five[1].pk])
    with pytest.raises(CommandError, match=rf"1 chain\(s\) broken: compound {compound.pk}\."):
        call_command("verify_archive")
    out = capsys.readouterr().out
    assert f"(#{compound.pk}): BROKEN at {five[1].number} (position 2): it was changed after it was archived" in out
    assert f"(#{other_compound.pk}): intact, 1 records" in out


def test_verify_archive_command_one_compound_and_without_files(compound, other_compound, five, capsys):
    default_storage.delete(five[4].files.get().stored_as)
    with pytest.raises(CommandError):
        call_command("verify_archive", "--compound", str(compound.pk))
    assert f"BROKEN at {five[4].number} (position 5): its file “纪要5.txt” is missing" in capsys.readouterr().out
    call_command("verify_archive", "--compound", str(compound.pk), "--no-files")
    assert capsys.readouterr().out.strip().endswith(f"intact, 5 records, head hash {five[-1].hash}")
    call_command("verify_archive", "--compound", str(other_compound.pk))
    assert "intact, 0 records" in capsys.readouterr().out
    with pytest.raises(CommandError, match="There is no compound 999999"):
        call_command("verify_archive", "--compound", "999999")


def test_verify_archive_command_missing_last_record(compound, five, capsys):
    with behind_the_orms_back() as cursor:
        cursor.execute("DELETE FROM records_archivefile WHERE record_id = %s", [five[4].pk])
        cursor.execute("DELETE FROM records_archiverecord WHERE id = %s", [five[4].pk])
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert (
        "BROKEN at the end of the chain (position 5): records after position 4 are missing" in capsys.readouterr().out
    )


# --- two at once ----------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("head_exists", [False, True], ids=["first records", "later records"])
def test_two_records_archived_at_once_never_fork_the_chain(reference_data, head_exists):
    from tests import factories

    compound = factories.CompoundFactory()
    if head_exists:
        archive(compound, title="之前的记录")
    before = ChainHead.objects.get(compound=compound).count if head_exists else 0

    def act(title):
        return lambda _seen: archive(Compound.objects.get(pk=compound.pk), title=title)

    outcomes = race((lambda: None, act("甲的记录")), (lambda: None, act("乙的记录")))
    assert all(isinstance(o, ArchiveRecord) for o in outcomes), outcomes
    first, second = sorted(outcomes, key=lambda r: r.sequence)
    assert (first.sequence, second.sequence) == (before + 1, before + 2)
    assert second.previous_hash == first.hash
    report = chain_verify(compound.pk)
    assert report.intact
    assert (report.count, report.head_hash) == (before + 2, second.hash)
    assert chain_head(compound.pk) == (before + 2, second.hash)


def test_file_content_names_internal_only_when_set_so_earlier_hashes_stand(compound, committee_member):
    from records.chain import file_content

    record = archive(compound, by=committee_member, files=[("纪要.txt", b"x")])
    file = record.files.get()
    assert set(file_content(file)) == {"position", "name", "content_type", "size", "sha256"}
    file.internal = True
    assert file_content(file)["internal"] is True
