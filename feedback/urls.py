from django.urls import path

from feedback.views import analysis, callbacks, entries

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
]
