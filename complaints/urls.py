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
    path("assigned/", staff.assigned_view, name="assigned"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("<int:pk>/", detail.complaint_detail_view, name="detail"),
    path("<int:pk>/publish/", detail.complaint_publish_view, name="publish"),
    path("<int:pk>/photos/<int:photo_pk>/", detail.complaint_photo_view, name="photo"),
    path("<int:pk>/<slug:action>/", detail.complaint_step_view, name="step"),
]
