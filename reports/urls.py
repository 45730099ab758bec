from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list_view, name="report_list"),
    path("<int:pk>/", views.report_detail_view, name="report_detail"),
    path("<int:pk>/pdf/", views.report_pdf_view, name="report_pdf"),
    path("<int:pk>/foreword/", views.report_foreword_view, name="report_foreword"),
    path("<int:pk>/approve/", views.report_approve_view, name="report_approve"),
    path("<int:pk>/publish/", views.report_publish_view, name="report_publish"),
]
