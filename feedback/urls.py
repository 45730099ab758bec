from django.urls import path

from feedback.views import analysis, callbacks

app_name = "feedback"

urlpatterns = [
    path("callbacks/", callbacks.callback_list_view, name="callback_list"),
    path("callbacks/<int:pk>/", callbacks.callback_detail_view, name="callback_detail"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("analysis.csv", analysis.analysis_csv_view, name="analysis_csv"),
]
