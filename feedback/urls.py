from django.urls import path

from feedback.views import callbacks, surveys

app_name = "feedback"

urlpatterns = [
    path("callbacks/", callbacks.callback_list_view, name="callback_list"),
    path("callbacks/<int:pk>/", callbacks.callback_detail_view, name="callback_detail"),
    path("surveys/", surveys.survey_list_view, name="survey_list"),
    path("surveys/new/", surveys.survey_new_view, name="survey_new"),
    path("surveys/<int:pk>/", surveys.survey_detail_view, name="survey_detail"),
    path("surveys/<int:pk>/answer/", surveys.survey_answer_view, name="survey_answer"),
    path("surveys/<int:pk>/close/", surveys.survey_close_view, name="survey_close"),
    path("surveys/<int:pk>/results/", surveys.survey_results_view, name="survey_results"),
    path("surveys/<int:pk>/results.csv", surveys.survey_results_csv_view, name="survey_results_csv"),
]
