from django.urls import path

from records.views import analysis, detail, dossier, handover, integrity, lists, retention

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
    path("chain/verify/", integrity.chain_verify_view, name="chain_verify"),
    path("chain/head/", integrity.chain_head_check_view, name="chain_head_check"),
    path("retention/", retention.retention_list_view, name="retention_list"),
    path("<int:pk>/disposal/propose/", retention.disposal_propose_view, name="disposal_propose"),
    path("disposals/<int:pk>/approve/", retention.disposal_approve_view, name="disposal_approve"),
    path("disposals/<int:pk>/cancel/", retention.disposal_cancel_view, name="disposal_cancel"),
]
