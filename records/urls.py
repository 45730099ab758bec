from django.urls import path

from records.views import dossier, handover

app_name = "records"

urlpatterns: list = [
    path("handover/", handover.handover_export_view, name="handover_export"),
    path("<int:pk>/dossier.pdf", dossier.record_dossier_view, name="record_dossier"),
]
