from django.urls import path

from feedback.views import callbacks

app_name = "feedback"

urlpatterns = [
    path("callbacks/", callbacks.callback_list_view, name="callback_list"),
    path("callbacks/<int:pk>/", callbacks.callback_detail_view, name="callback_detail"),
]
