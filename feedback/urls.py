from django.urls import path

from feedback.views import callbacks

app_name = "feedback"

urlpatterns = [
    path("callbacks/", callbacks.callback_list_view, name="callback_list"),
    path("callbacks/<int:pk>/", callbacks.callback_detail_view, name="callback_detail"),
    path("callbacks/<int:pk>/attempt/", callbacks.callback_attempt_view, name="callback_attempt"),
    path("callbacks/<int:pk>/record/", callbacks.callback_record_view, name="callback_record"),
    path("callbacks/<int:pk>/answer/", callbacks.callback_answer_view, name="callback_answer"),
]
