"""Every write of inspections: typed, keyword-only, atomic, each with its
audit row. Status moves go through committee_site.services.transition_apply
with each model's TRANSITIONS table."""

from inspections.services._common import (
    MAX_PHOTOS_PER_ITEM,
    PHOTO_FOLDER,
    ROLE_PARTY,
    membership_party,
    officers,
    property_staff,
)
from inspections.services.conducting import (
    inspection_archive,
    inspection_complete,
    inspection_finding_add,
    inspection_item_record,
    inspection_start,
    participant_attendance_set,
    signing_party_mark_absent,
    signing_party_sign,
)

# Private, but inspections/demo.py calls it as services.<name>.
from inspections.services.plans import _create_inspection as _create_inspection
from inspections.services.plans import (
    inspection_create,
    inspection_plan_create,
    inspection_plan_deactivate,
    inspection_plan_materialise,
)
from inspections.services.rectification import (
    rectification_acknowledge,
    rectification_deadline,
    rectification_fail,
    rectification_issue,
    rectification_progress,
    rectification_submit,
    rectification_verify,
)
from inspections.services.templates import checklist_item_save, checklist_template_copy

__all__ = [
    "MAX_PHOTOS_PER_ITEM",
    "PHOTO_FOLDER",
    "ROLE_PARTY",
    "checklist_item_save",
    "checklist_template_copy",
    "inspection_archive",
    "inspection_complete",
    "inspection_create",
    "inspection_finding_add",
    "inspection_item_record",
    "inspection_plan_create",
    "inspection_plan_deactivate",
    "inspection_plan_materialise",
    "inspection_start",
    "membership_party",
    "officers",
    "participant_attendance_set",
    "property_staff",
    "rectification_acknowledge",
    "rectification_deadline",
    "rectification_fail",
    "rectification_issue",
    "rectification_progress",
    "rectification_submit",
    "rectification_verify",
    "signing_party_mark_absent",
    "signing_party_sign",
]
