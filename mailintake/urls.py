from django.urls import path

from mailintake import views

app_name = "mailintake"

urlpatterns = [
    path("", views.intake_list_view, name="intake_list"),
    path("<int:pk>/", views.intake_detail_view, name="intake_detail"),
    path("<int:pk>/record/", views.intake_record_view, name="intake_record"),
    path("<int:pk>/discard/", views.intake_discard_view, name="intake_discard"),
]
