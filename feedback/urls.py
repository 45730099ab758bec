from django.urls import path

from feedback.views import analysis, callbacks, entries, paper, surveys

app_name = "feedback"

urlpatterns = [
    path("callbacks/", callbacks.callback_list_view, name="callback_list"),
    path("callbacks/<int:pk>/", callbacks.callback_detail_view, name="callback_detail"),
    # Self-service feedback (自助反馈).
    path("entries/", entries.feedback_list_view, name="entry_list"),
    path("entries/new/", entries.feedback_new_view, name="entry_new"),
    path("entries/mine/", entries.feedback_mine_view, name="entry_mine"),
    path("entries/<int:pk>/", entries.feedback_detail_view, name="entry_detail"),
    path("entries/<int:pk>/acknowledge/", entries.feedback_acknowledge_view, name="entry_acknowledge"),
    path("entries/<int:pk>/answer/", entries.feedback_answer_view, name="entry_answer"),
    path("entries/<int:pk>/convert/", entries.feedback_convert_view, name="entry_convert"),
    path("entries/<int:pk>/photos/<int:photo_pk>/", entries.feedback_photo_view, name="entry_photo"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("analysis.csv", analysis.analysis_csv_view, name="analysis_csv"),
    path("surveys/", surveys.survey_list_view, name="survey_list"),
    path("surveys/new/", surveys.survey_new_view, name="survey_new"),
    path("surveys/<int:pk>/", surveys.survey_detail_view, name="survey_detail"),
    path("surveys/<int:pk>/answer/", surveys.survey_answer_view, name="survey_answer"),
    path("surveys/<int:pk>/close/", surveys.survey_close_view, name="survey_close"),
    # Paper forms (纸质问卷) the committee types in.
    path("surveys/<int:pk>/paper/", paper.survey_paper_view, name="survey_paper"),
    path("surveys/<int:pk>/results/", surveys.survey_results_view, name="survey_results"),
    path("surveys/<int:pk>/results.csv", surveys.survey_results_csv_view, name="survey_results_csv"),
    path("callbacks/<int:pk>/attempt/", callbacks.callback_attempt_view, name="callback_attempt"),
    path("callbacks/<int:pk>/record/", callbacks.callback_record_view, name="callback_record"),
    path("callbacks/<int:pk>/answer/", callbacks.callback_answer_view, name="callback_answer"),
]
