"""Append-only, enforced twice: the ORM (models and managers) refuses every
change and deletion of a record, its files and its publications; the admin
shows them read-only; on PostgreSQL a trigger refuses raw SQL as well; and
the archive's views only read or add."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from records import services
from records.models import AppendOnly, ArchiveFile, ArchiveRecord, RecordPublication
from tests import factories
from tests.conftest import client_for
from tests.records.conftest import archive

pytestmark = pytest.mark.django_db

MODELS = [ArchiveRecord, ArchiveFile, RecordPublication]


@pytest.fixture
def rows(minutes, committee_member):
    """One row of each archive table."""
    publication = services.record_publish(record=minutes, scope=RecordPublication.Scope.COMPOUND, by=committee_member)
    return {ArchiveRecord: minutes, ArchiveFile: minutes.files.get(), RecordPublication: publication}


def _fresh(model, rows):
    return model.objects.get(pk=rows[model].pk)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_orm_second_save_and_delete_are_refused(model, rows):
    row = _fresh(model, rows)
    with pytest.raises(AppendOnly):
        row.save()
    with pytest.raises(AppendOnly):
        row.delete()
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_queryset_update_delete_bulk_update_and_update_or_create_are_refused(model, rows):
    row = _fresh(model, rows)
    queryset = model.objects.filter(pk=row.pk)
    with pytest.raises(AppendOnly):
        queryset.update(pk=row.pk)
    with pytest.raises(AppendOnly):
        queryset.delete()
    with pytest.raises(AppendOnly):
        model.objects.all().delete()
    with pytest.raises(AppendOnly):
        model.objects.bulk_update([row], fields=[_a_field(model)])
    with pytest.raises(AppendOnly):
        model.objects.update_or_create(pk=row.pk, defaults={})
    assert model.objects.filter(pk=row.pk).exists()


def _a_field(model):
    return {ArchiveRecord: "title", ArchiveFile: "name", RecordPublication: "scope"}[model]


def test_a_changed_title_is_never_written(rows):
    record = _fresh(ArchiveRecord, rows)
    record.title = "改过的标题"
    with pytest.raises(AppendOnly):
        record.save(update_fields=["title"])
    assert ArchiveRecord.objects.get(pk=record.pk).title == "业委会第三次会议纪要"


# --- the admin ----------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True, language="en")


def _admin_url(model, view, *args):
    return reverse(f"admin:records_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_lists_and_shows_the_archive_but_offers_no_add_change_delete_or_action(model, rows, superuser):
    client = client_for(superuser)
    listing = client.get(_admin_url(model, "changelist"))
    assert listing.status_code == 200
    assert 'name="action"' not in listing.content.decode()
    assert client.get(_admin_url(model, "add")).status_code == 403
    shown = client.get(_admin_url(model, "change", rows[model].pk))
    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()
    assert 'class="deletelink"' not in shown.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_refuses_a_change_form_post_and_the_delete_view_for_a_superuser(model, rows, superuser):
    client = client_for(superuser)
    row = rows[model]
    posted = client.post(_admin_url(model, "change", row.pk), {_a_field(model): "改了", "_save": "Save"})
    assert posted.status_code == 403
    assert client.get(_admin_url(model, "delete", row.pk)).status_code == 403
    assert client.post(_admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    bulk = client.post(
        _admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=row.pk).exists()
    assert getattr(_fresh(model, rows), _a_field(model)) == getattr(row, _a_field(model))


def test_admin_searches_by_number_and_title_and_filters_by_kind_and_compound(rows, compound, superuser, other_compound):
    other = archive(other_compound, title="另一个小区的函件", kind="letter")
    client = client_for(superuser)
    url = _admin_url(ArchiveRecord, "changelist")
    by_number = client.get(url, {"q": rows[ArchiveRecord].number}).content.decode()
    assert rows[ArchiveRecord].number in by_number
    assert other.number not in by_number
    assert other.number in client.get(url, {"q": "另一个小区"}).content.decode()
    by_kind = client.get(url, {"kind__exact": "letter"}).content.decode()
    assert other.number in by_kind
    assert rows[ArchiveRecord].number not in by_kind
    by_compound = client.get(url, {"compound__id__exact": compound.pk}).content.decode()
    assert rows[ArchiveRecord].number in by_compound
    assert other.number not in by_compound


# --- the trigger ----------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; SQLite has only the ORM's guard"
)
# The statements a person with the database's password might type.
RAW = {
    ArchiveRecord: (
        "records_archiverecord",
        "UPDATE records_archiverecord SET title = 'changed' WHERE id = %s",
        "DELETE FROM records_archiverecord WHERE id = %s",
    ),
    ArchiveFile: (
        "records_archivefile",
        "UPDATE records_archivefile SET sha256 = repeat('0', 64) WHERE id = %s",
        "DELETE FROM records_archivefile WHERE id = %s",
    ),
    RecordPublication: (
        "records_recordpublication",
        "UPDATE records_recordpublication SET scope = 'owner' WHERE id = %s",
        "DELETE FROM records_recordpublication WHERE id = %s",
    ),
}


@postgresql_only
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_postgresql_trigger_refuses_raw_update_and_delete(model, rows):
    table, update, delete = RAW[model]
    pk = rows[model].pk
    for statement, operation in ((update, "UPDATE"), (delete, "DELETE")):
        with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [pk])
        assert f"the archive is append-only: {operation} on {table} refused" in str(refused.value)
        assert type(refused.value.__cause__).__module__.startswith("psycopg")
    field = _a_field(model)
    assert getattr(_fresh(model, rows), field) == getattr(rows[model], field)


# --- the views ------------------------------------------------------------------------

# The archive's POST views, and what each writes: none changes or deletes an archive row.
CREATE_ONLY = {
    "records:disposal_propose": "adds a Disposal proposal",
    "records:disposal_approve": "moves the Disposal, adds a disposal record, deletes the files' content",
    "records:disposal_cancel": "moves the Disposal",
    "records:record_upload": "adds a record",
    "records:record_amend": "adds a record that amends another",
    "records:handover_export": "reads the archive into a ZIP, adds an audit row",
}


def _records_patterns():
    resolver = get_resolver()
    records = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "records")
    return [(f"records:{p.name}", p) for p in records.url_patterns if isinstance(p, URLPattern)]


def test_the_archive_views_only_read_or_add(rows, committee_member):
    client = client_for(committee_member)
    for name, pattern in _records_patterns():
        url = reverse(name, args=[rows[ArchiveRecord].pk] * len(pattern.pattern.converters))
        if name in CREATE_ONLY:
            # A form page may show itself on GET; what it POSTs only adds.
            assert getattr(pattern.callback, "rate_limit_group", None), name
        else:
            for method in ("post", "put", "patch", "delete"):
                assert getattr(client, method)(url).status_code == 405, f"{name} accepts {method.upper()}"
    assert Client().get(reverse("records:chain_verify")).status_code == 302
