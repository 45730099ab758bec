from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("all/", views.inspection_list_view, name="inspection_list"),
    path("quarter/", views.quarter_view, name="quarter"),
    path("new/", views.inspection_create_view, name="inspection_create"),
    path("<int:pk>/", views.inspection_detail_view, name="inspection_detail"),
    path("<int:pk>/print/", views.inspection_print_view, name="inspection_print"),
    path("<int:pk>/start/", views.inspection_start_view, name="inspection_start"),
    path("<int:pk>/findings/", views.finding_add_view, name="finding_add"),
    path("<int:pk>/complete/", views.inspection_complete_view, name="inspection_complete"),
    path("items/<int:pk>/", views.item_record_view, name="item_record"),
    path("items/<int:pk>/photos/<int:index>/", views.item_photo_view, name="item_photo"),
    path("items/<int:pk>/notice/", views.notice_issue_view, name="notice_issue"),
    path("participants/<int:pk>/attendance/", views.attendance_view, name="attendance"),
    path("parties/<int:pk>/sign/", views.party_sign_view, name="party_sign"),
    path("parties/<int:pk>/absent/", views.party_absent_view, name="party_absent"),
    path("notices/", views.notice_list_view, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail_view, name="notice_detail"),
    path("notices/<int:pk>/acknowledge/", views.notice_acknowledge_view, name="notice_acknowledge"),
    path("notices/<int:pk>/progress/", views.notice_progress_view, name="notice_progress"),
    path("notices/<int:pk>/submit/", views.notice_submit_view, name="notice_submit"),
    path("notices/<int:pk>/verify/", views.notice_verify_view, name="notice_verify"),
    path("notices/<int:pk>/fail/", views.notice_fail_view, name="notice_fail"),
    path("notice-events/<int:pk>/photos/<int:index>/", views.event_photo_view, name="event_photo"),
    path("templates/", views.template_list_view, name="template_list"),
    path("templates/<int:pk>/", views.template_detail_view, name="template_detail"),
    path("templates/<int:pk>/copy/", views.template_copy_view, name="template_copy"),
    path("sections/<int:section_pk>/items/new/", views.template_item_view, name="template_item_add"),
    path("sections/<int:section_pk>/items/<int:pk>/", views.template_item_view, name="template_item_edit"),
    path("plans/", views.plan_list_view, name="plan_list"),
    path("plans/<int:pk>/stop/", views.plan_deactivate_view, name="plan_deactivate"),
]
