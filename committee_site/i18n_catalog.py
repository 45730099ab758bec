"""The translation toolchain in pure Python (Babel), so neither `make run`
nor the tests need GNU gettext on the machine: extract the messages of the
code and templates, merge them into the catalogs, compile them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_python
from babel.messages.extract import extract as babel_extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils.translation.template import templatize

LOCALES = ("zh_Hans", "en")
SOURCE_DIRS = (
    "committee_site",
    "complaints",
    "inspections",
    "feedback",
    "records",
    "reports",
    "mailintake",
    "api",
    "templates",
)
SKIP_PARTS = {"migrations", "__pycache__", "management"}
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext_noop": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def po_path(locale: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / locale / "LC_MESSAGES" / "django.po"


def _source_files() -> Iterator[Path]:
    base = Path(settings.BASE_DIR)
    for folder in SOURCE_DIRS:
        for path in sorted((base / folder).rglob("*")):
            if SKIP_PARTS & set(path.relative_to(base).parts):
                continue
            if path.suffix == ".py" or (path.suffix in {".html", ".txt"} and "templates" in path.parts):
                yield path


def extract() -> Catalog:
    """Every translatable message of the project, as a template catalog."""
    base = Path(settings.BASE_DIR)
    catalog = Catalog(project="committee-site", charset="utf-8")
    for path in _source_files():
        source = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            # Django turns a template into Python-like text with gettext calls
            # in place of its translation tags: the same step makemessages takes.
            # Its indentation means nothing, and Python's tokenizer would trip on it.
            source = "\n".join(line.lstrip() for line in templatize(source, origin=str(path)).splitlines())
        relative = str(path.relative_to(base))
        for lineno, message, comments, context in babel_extract(
            extract_python,  # type: ignore[arg-type]
            io.BytesIO(source.encode("utf-8")),
            keywords=KEYWORDS,
            comment_tags=["Translators:"],
            options={"encoding": "utf-8"},
            strip_comment_tags=True,
        ):
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            flags = set()
            text = message[0] if isinstance(message, tuple) else message
            if "%(" in text or "%s" in text:
                flags.add("python-format")
            catalog.add(message, locations=[(relative, lineno)], auto_comments=comments, context=context, flags=flags)
    return catalog


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def update() -> dict[str, int]:
    """Merge the extracted messages into each catalog; English is the source
    language, so its missing translations are the messages themselves.
    Returns how many messages of each catalog still need a translation."""
    template = extract()
    missing = {}
    for locale in LOCALES:
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read_catalog(locale) if path.exists() else Catalog(locale=locale, charset="utf-8")
        # Keep the header's date, so a run that changes no message changes no file.
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        catalog.project = "committee-site"
        catalog.fuzzy = False
        for message in catalog:
            if not message.id:
                continue
            if locale == "en" and not _translated(message.string):
                message.string = message.id
        missing[locale] = sum(1 for message in catalog if message.id and not _translated(message.string))
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=False, include_previous=False)
    return missing


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(string, (tuple, list)):
        return bool(string) and all(string)
    return bool(string)


def compile_all() -> list[Path]:
    """Write django.mo next to each django.po (fuzzy messages are left out, as msgfmt does)."""
    written = []
    for locale in LOCALES:
        catalog = read_catalog(locale)
        mo = po_path(locale).with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written
