from typing import Any

from django.core.management.base import BaseCommand, CommandError

from committee_site import i18n_catalog


class Command(BaseCommand):
    help = "Extract the messages of code and templates into locale/*/django.po, then compile them."

    def handle(self, *args: Any, **options: Any) -> None:
        missing = i18n_catalog.update()
        i18n_catalog.compile_all()
        for locale, count in missing.items():
            self.stdout.write(f"{locale}: {count} messages without a translation")
        if any(missing.values()):
            raise CommandError("Translate the empty messages, then run this again.")
