from django.urls import path

from records.views import analysis, detail, dossier, handover, lists

app_name = "records"

urlpatterns = [
    path("", lists.record_list_view, name="record_list"),
    path("export.csv", lists.record_export_csv_view, name="record_export_csv"),
    path("export.xlsx", lists.record_export_xlsx_view, name="record_export_xlsx"),
    path("new/", detail.record_upload_view, name="record_upload"),
    path("<int:pk>/", detail.record_detail_view, name="record_detail"),
    path("<int:pk>/amend/", detail.record_amend_view, name="record_amend"),
    path("<int:pk>/files/<int:file_pk>/", detail.record_file_view, name="record_file"),
    path("<int:pk>/dossier.pdf", dossier.record_dossier_view, name="record_dossier"),
    path("handover/", handover.handover_export_view, name="handover_export"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("analysis.csv", analysis.analysis_csv_view, name="analysis_csv"),
]
