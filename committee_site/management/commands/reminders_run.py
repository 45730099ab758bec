"""One reminder sweep in the foreground: what it created, sent and cancelled, by kind."""

from typing import Any

from django.core.management.base import BaseCommand

from committee_site.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Run one reminder sweep now and print what it created and sent, by kind."

    def handle(self, *args: Any, **options: Any) -> None:
        result = reminders_sweep()
        for label, counts in (("created", result.created), ("sent", result.sent), ("cancelled", result.cancelled)):
            total = sum(counts.values())
            self.stdout.write(f"{label}: {total}")
            for kind, count in sorted(counts.items()):
                self.stdout.write(f"  {kind}: {count}")
