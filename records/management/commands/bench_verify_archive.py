"""Measure chain_verify at scale: bulk-insert N records with valid chain
hashes (and a small file on every K-th) for a benchmark compound, then walk
the chain, timing it and taking the peak memory (tracemalloc for Python's
allocations, ru_maxrss for the process).

Run it against a scratch database, never production: the archive's rows can
never be deleted again (the triggers refuse).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/committee_bench \\
        python manage.py migrate && python manage.py bench_verify_archive --records 1000000

--reuse walks the chain of an earlier run of the same size without
inserting, in a fresh process, so ru_maxrss is the walk's alone.
"""

from __future__ import annotations

import hashlib
import resource
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, reset_queries, transaction

from committee_site.models import Compound
from records.chain import GENESIS, chain_verify, record_content, record_hash
from records.models import ArchiveFile, ArchiveRecord, ChainHead, RecordKind

BATCH = 5000
START = datetime(2016, 1, 1, tzinfo=UTC)
KEPT_UNTIL = date(2046, 1, 1)
BODY = "业委会会议纪要：讨论电梯维修方案与公共收益公示。Minutes of the committee meeting. " * 4


def _max_rss_mb() -> float:
    # Linux gives kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Insert N archive records with a valid chain for a benchmark compound, then time chain_verify."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--records", type=int, default=1_000_000)
        parser.add_argument("--file-every", type=int, default=1000, help="a small file on every K-th record (0: none)")
        parser.add_argument("--reuse", action="store_true", help="walk the chain of an earlier run of this size")
        parser.add_argument("--no-tracemalloc", action="store_true", help="time only (tracemalloc slows the walk)")

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["records"]
        name = f"压测档案 (benchmark, {size} records)"
        if options["reuse"]:
            compound = Compound.objects.filter(name=name).order_by("-pk").first()
            if compound is None:
                raise CommandError(f"No earlier run with {size} records; run without --reuse first.")
        else:
            compound = Compound.objects.create(name=name, address="benchmark")
            self._insert(compound, size, options["file_every"])
        self.stdout.write(f"compound #{compound.pk}: {ArchiveRecord.objects.filter(compound=compound).count()} records")
        self.stdout.write(f"before the walk: ru_maxrss {_max_rss_mb():.0f} MB")
        started = time.perf_counter()
        report = chain_verify(compound.pk)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"chain_verify: {'intact' if report.intact else 'BROKEN ' + report.reason}, {report.count} records "
            f"in {elapsed:.1f} s ({report.count / elapsed:,.0f} records/s); ru_maxrss {_max_rss_mb():.0f} MB"
        )
        if not report.intact:
            raise CommandError("the benchmark chain should be intact")
        if not options["no_tracemalloc"]:
            tracemalloc.start()
            started = time.perf_counter()
            chain_verify(compound.pk)
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.stdout.write(
                f"chain_verify under tracemalloc: {elapsed:.1f} s, peak of Python allocations {peak / 2**20:.1f} MB; "
                f"ru_maxrss {_max_rss_mb():.0f} MB"
            )

    def _insert(self, compound: Compound, size: int, file_every: int) -> None:
        started = time.perf_counter()
        previous = GENESIS
        sequence = 0
        while sequence < size:
            records: list[ArchiveRecord] = []
            files: dict[int, ArchiveFile] = {}
            for _ in range(min(BATCH, size - sequence)):
                sequence += 1
                record = ArchiveRecord(
                    number=f"BV-{compound.pk}-{sequence:09d}",
                    compound=compound,
                    sequence=sequence,
                    kind=RecordKind.MINUTES,
                    title=f"第{sequence}次会议纪要",
                    happened_at=START + timedelta(minutes=sequence),
                    parties=["张伟", "李娜"],
                    body=BODY,
                    public_body=BODY,
                    data={"bench": sequence},
                    created_at=START + timedelta(minutes=sequence, seconds=30),
                    retention_until=KEPT_UNTIL + timedelta(days=sequence // 1440),
                    previous_hash=previous,
                )
                attached = []
                if file_every and sequence % file_every == 0:
                    content = f"file of record {sequence}\n".encode()
                    attached = [self._file(sequence, content)]
                    files[sequence] = attached[0]
                record.hash = record_hash(previous, record_content(record, attached, None))
                previous = record.hash
                records.append(record)
            with transaction.atomic():
                ArchiveRecord.objects.bulk_create(records)
                for record in records:
                    if record.sequence in files:
                        files[record.sequence].record = record
                ArchiveFile.objects.bulk_create(files.values())
            # In debug mode Django keeps every statement; these are megabytes each.
            reset_queries()
            if sequence % 100_000 == 0 or sequence == size:
                self.stdout.write(f"  {sequence} records inserted, {time.perf_counter() - started:.0f} s")
        ChainHead.objects.update_or_create(compound=compound, defaults={"count": size, "hash": previous})
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE records_archiverecord")
                cursor.execute("ANALYZE records_archivefile")

    def _file(self, sequence: int, content: bytes) -> ArchiveFile:
        stored = default_storage.save(f"archive/bench/{sequence}.txt", ContentFile(content))
        return ArchiveFile(
            position=1,
            name=f"{sequence}.txt",
            content_type="text/plain",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            stored_as=stored,
        )
