from typing import Any

from django.core.management.base import BaseCommand

from committee_site import i18n_catalog


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po into django.mo (pure Python; no GNU gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in i18n_catalog.compile_all():
            self.stdout.write(f"compiled {path}")
