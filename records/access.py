"""Access to the archive: 404 for a record the user may not read (another
compound, or a kind not shown to their role), 403 for a reader who asked to
write. Who sees owners' identities is decided here too."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from committee_site.access import user_access
from committee_site.models import Compound, User
from records.models import ArchiveFile, ArchiveRecord, Disposal


def require_archive_reader(user: User) -> frozenset[int]:
    """The compounds whose archive the user reads as a whole: the committee,
    the community office and property staff. Owners read single published
    records, not the archive's lists."""
    access = user_access(user)
    compound_ids = access.committee_compound_ids | access.officer_compound_ids | access.property_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def require_handover(user: User) -> frozenset[int]:
    """The compounds whose whole archive the user may take away (换届移交):
    only their committee's, identities and all. 403 for everyone else."""
    compound_ids = user_access(user).committee_compound_ids
    if not compound_ids:
        raise PermissionDenied
    return compound_ids


def get_handover_compound_for(user: User, pk: int) -> Compound:
    compound = Compound.objects.filter(pk=pk).first()
    if compound is None or not user_access(user).is_committee(compound.pk):
        raise Http404
    return compound


def sees_identities(user: User, compound_id: int) -> bool:
    """The committee and the community office read owners' names, units and
    phone numbers; property staff and owners read the record without them."""
    access = user_access(user)
    return access.is_committee(compound_id) or access.is_officer(compound_id)


def get_record_for(user: User, pk: int, *, write: bool = False) -> ArchiveRecord:
    record = (
        ArchiveRecord.objects.visible_to(user)
        .filter(pk=pk)
        .select_related("compound", "service_area", "building", "amends", "created_by")
        .first()
    )
    if record is None:
        raise Http404
    if write and not user_access(user).is_committee(record.compound_id):
        raise PermissionDenied
    return record


def get_record_file_for(user: User, record_pk: int, pk: int) -> ArchiveFile:
    record = get_record_for(user, record_pk)
    shown = ArchiveFile.objects.shown(identities=sees_identities(user, record.compound_id))
    file = shown.filter(record=record, pk=pk).first()
    if file is None:
        raise Http404
    file.record = record
    return file


def get_disposal_for(user: User, pk: int) -> Disposal:
    """Disposals are decided by the committee alone."""
    disposal = Disposal.objects.filter(pk=pk).select_related("record__compound", "proposed_by").first()
    if disposal is None or not user_access(user).is_committee(disposal.record.compound_id):
        raise Http404
    return disposal
