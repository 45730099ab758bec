"""The Chinese catalog follows locale/GLOSSARY.md: one word for each thing."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

GLOSSARY = Path(settings.BASE_DIR) / "locale" / "GLOSSARY.md"


def _rows(section: str) -> list[list[str]]:
    text = GLOSSARY.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| ")][2:]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def _catalog() -> dict[tuple[str | None, str], str]:
    path = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    entries = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        entries[(message.context, msgid)] = " ".join(strings)
    return entries


def _terms() -> list[tuple[str, str | None, str]]:
    terms = []
    for chinese, english, _meaning in _rows("Terms"):
        for source in re.findall(r"`([^`]+)`", english):
            context, _, msgid = source.replace("\\|", "|").rpartition("|")
            terms.append((chinese, context or None, msgid))
    return terms


@pytest.mark.parametrize(("chinese", "context", "msgid"), _terms())
def test_glossary_term_is_translated_as_listed(chinese, context, msgid):
    catalog = _catalog()
    assert (context, msgid) in catalog, f"{context}|{msgid} is in the glossary but no longer in the catalog"
    assert chinese in catalog[(context, msgid)]


def test_glossary_words_not_used_appear_nowhere_in_the_catalog():
    catalog = _catalog()
    for avoided, _instead, _why in _rows("Not used"):
        for word in avoided.split(" / "):
            offending = [msgid for (_context, msgid), string in catalog.items() if word in string]
            assert not offending, f"{word} in the translations of {offending}"


def test_closed_in_chinese_speaks_only_of_closing():
    for (_context, msgid), string in _catalog().items():
        if "办结" in string:
            assert re.search(r"clos|open", msgid, re.IGNORECASE), f"办结 in the translation of {msgid!r}"


@pytest.mark.parametrize(
    "message",
    [
        "Your password can’t be entirely numeric.",
        "Your password can’t be too similar to your other personal information.",
        "Your old password was entered incorrectly. Please enter it again.",
    ],
)
def test_djangos_own_messages_address_the_reader_politely(message):
    with translation.override("zh-hans"):
        translated = translation.gettext(message)
    assert translated != message
    assert "您" in translated
    assert "你" not in translated


def test_djangos_plural_password_help_addresses_the_reader_politely():
    with translation.override("zh-hans"):
        translated = translation.ngettext(
            "Your password must contain at least %(min_length)d character.",
            "Your password must contain at least %(min_length)d characters.",
            8,
        )
    assert "您的密码" in translated
