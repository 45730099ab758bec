from django.urls import path

from complaints.views import analysis, board, dashboard, detail, intake, lists, staff

app_name = "complaints"

urlpatterns = [
    path("", lists.my_complaints_view, name="mine"),
    path("new/", intake.complaint_new_view, name="new"),
    path("record/", intake.complaint_record_view, name="record"),
    path("board/", board.board_view, name="board"),
    path("dashboard/", dashboard.dashboard_view, name="dashboard"),
    path("dashboard/export.csv", dashboard.dashboard_export_view, name="export"),
    path("dashboard/export.xlsx", dashboard.dashboard_export_xlsx_view, name="export_xlsx"),
    path("assigned/", staff.assigned_view, name="assigned"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("<int:pk>/", detail.complaint_detail_view, name="detail"),
    path("<int:pk>/accept/", detail.complaint_accept_view, name="accept"),
    path("<int:pk>/reject/", detail.complaint_reject_view, name="reject"),
    path("<int:pk>/assign/", detail.complaint_assign_view, name="assign"),
    path("<int:pk>/plan/", detail.complaint_plan_view, name="plan"),
    path("<int:pk>/progress/", detail.complaint_progress_view, name="progress"),
    path("<int:pk>/reply/", detail.complaint_reply_view, name="reply"),
    path("<int:pk>/confirm/", detail.complaint_confirm_view, name="confirm"),
    path("<int:pk>/dispute/", detail.complaint_dispute_view, name="dispute"),
    path("<int:pk>/withdraw/", detail.complaint_withdraw_view, name="withdraw"),
    path("<int:pk>/refer/", detail.complaint_refer_view, name="refer"),
    path("<int:pk>/reopen/", detail.complaint_reopen_view, name="reopen"),
    path("<int:pk>/publish/", detail.complaint_publish_view, name="publish"),
    path("<int:pk>/photos/<int:photo_pk>/", detail.complaint_photo_view, name="photo"),
]
