from django.urls import path

from records.views import integrity, retention

app_name = "records"

urlpatterns: list = [
    path("chain/verify/", integrity.chain_verify_view, name="chain_verify"),
    path("chain/head/", integrity.chain_head_check_view, name="chain_head_check"),
    path("retention/", retention.retention_list_view, name="retention_list"),
    path("<int:pk>/disposal/propose/", retention.disposal_propose_view, name="disposal_propose"),
    path("disposals/<int:pk>/approve/", retention.disposal_approve_view, name="disposal_approve"),
    path("disposals/<int:pk>/cancel/", retention.disposal_cancel_view, name="disposal_cancel"),
]
