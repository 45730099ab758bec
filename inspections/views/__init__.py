"""Small views: access helper, form, service, redirect."""

from inspections.views._common import PER_PAGE
from inspections.views.inspection import (
    attendance_view,
    finding_add_view,
    inspection_complete_view,
    inspection_create_view,
    inspection_detail_view,
    inspection_print_view,
    inspection_start_view,
    item_photo_view,
    item_record_view,
    party_absent_view,
    party_sign_view,
)
from inspections.views.lists import inspection_list_view, overview_view, quarter_view
from inspections.views.rectification import (
    event_photo_view,
    notice_acknowledge_view,
    notice_detail_view,
    notice_fail_view,
    notice_issue_view,
    notice_list_view,
    notice_progress_view,
    notice_submit_view,
    notice_verify_view,
)
from inspections.views.templates import (
    plan_deactivate_view,
    plan_list_view,
    template_copy_view,
    template_detail_view,
    template_item_view,
    template_list_view,
)

__all__ = [
    "PER_PAGE",
    "attendance_view",
    "event_photo_view",
    "finding_add_view",
    "inspection_complete_view",
    "inspection_create_view",
    "inspection_detail_view",
    "inspection_list_view",
    "inspection_print_view",
    "inspection_start_view",
    "item_photo_view",
    "item_record_view",
    "notice_acknowledge_view",
    "notice_detail_view",
    "notice_fail_view",
    "notice_issue_view",
    "notice_list_view",
    "notice_progress_view",
    "notice_submit_view",
    "notice_verify_view",
    "overview_view",
    "party_absent_view",
    "party_sign_view",
    "plan_deactivate_view",
    "plan_list_view",
    "quarter_view",
    "template_copy_view",
    "template_detail_view",
    "template_item_view",
    "template_list_view",
]
