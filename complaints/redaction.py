"""What may not be published: names, phone numbers and unit numbers."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from complaints.models import Complaint

PHONE = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}|\d{3,4}[- ]\d{4})(?!\d)"
)
UNIT = re.compile(
    r"\d+\s*(?:号楼|栋|幢)\s*\d+\s*(?:室|号)?|\d+\s*室|(?<![\d.])\d{1,2}-\d{3,4}(?![\d.])|"
    r"\b(?:room|unit|flat|apt\.?)\s*#?\s*\d+",
    re.IGNORECASE,
)


def _names(complaint: Complaint) -> list[str]:
    names = [complaint.complainant_name]
    if complaint.complainant is not None:
        user = complaint.complainant
        names += [user.get_full_name(), user.first_name, user.last_name, user.username]
    return sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)


def personal_details_in(text: str, complaint: Complaint) -> list[str]:
    """The personal details found in the text, each once, in order found."""
    found = [m.group(0).strip() for m in PHONE.finditer(text)]
    found += [m.group(0).strip() for m in UNIT.finditer(text)]
    found += [name for name in _names(complaint) if name.lower() in text.lower()]
    return list(dict.fromkeys(found))


def redact(text: str, complaint: Complaint) -> str:
    """The text with names, phone numbers and unit numbers blanked out."""
    for name in _names(complaint):
        text = re.sub(re.escape(name), _("the owner"), text, flags=re.IGNORECASE)
    text = PHONE.sub("***", text)
    return UNIT.sub("***", text)


def suggested_summary(complaint: Complaint) -> str:
    parts = [complaint.title, complaint.result or complaint.handling_plan]
    return redact("\n".join(p for p in parts if p), complaint)
