from django.urls import path

from records.views import analysis

app_name = "records"

urlpatterns: list = [
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("analysis.csv", analysis.analysis_csv_view, name="analysis_csv"),
]
