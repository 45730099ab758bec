"""Reads that pages compose: the chain head the owners' board and the
quarterly reports publish."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from committee_site.models import Compound
from records.models import ArchiveRecord, ChainHead
from records.offline_verify import GENESIS


def chain_head(compound_id: int) -> tuple[int, str]:
    """The compound's record count and head hash, from its ChainHead (one
    query, whatever the length of the chain); (0, GENESIS) before its first record."""
    row = ChainHead.objects.filter(compound_id=compound_id).values_list("count", "hash").first()
    return row if row is not None else (0, GENESIS)


@dataclass(frozen=True)
class PublishedHead:
    """A compound's archive head as the owners' board shows it."""

    compound: Compound
    head: tuple[int, str]


def chain_heads(compound_ids: Iterable[int]) -> list[PublishedHead]:
    """The heads of several compounds' chains in one query; a compound with
    no record yet shows the chain's start (0 records)."""
    compounds = Compound.objects.filter(pk__in=list(compound_ids)).order_by("pk")
    heads = {
        row.compound_id: (row.count, row.hash) for row in ChainHead.objects.filter(compound_id__in=list(compound_ids))
    }
    return [PublishedHead(compound, heads.get(compound.pk, (0, GENESIS))) for compound in compounds]


@dataclass(frozen=True)
class HeadCheck:
    """Where a head hash someone kept lies in the compound's chain."""

    record: ArchiveRecord | None
    count: int

    @property
    def found(self) -> bool:
        return self.record is not None

    @property
    def position(self) -> int | None:
        return self.record.sequence if self.record else None

    @property
    def added_after(self) -> int:
        return self.count - self.record.sequence if self.record else 0

    @property
    def archived_at(self) -> datetime | None:
        return self.record.created_at if self.record else None


def head_check(compound_id: int, head_hash: str) -> HeadCheck:
    """Two queries: the record with that hash (unique, indexed), and the head."""
    record = (
        ArchiveRecord.objects.filter(compound_id=compound_id, hash=head_hash.strip().lower())
        .only("pk", "number", "sequence", "created_at", "compound_id")
        .first()
    )
    count, _hash = chain_head(compound_id)
    return HeadCheck(record=record, count=count)
