from django.urls import path

from projects.cycle import views

app_name = "cycle"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("rounds/open/", views.round_open, name="round_open"),
    path("self-evaluations/start/", views.self_evaluations_start, name="self_evaluations_start"),
    path(
        "forms/<int:form_id>/self-evaluation/",
        views.self_evaluation_for_form,
        name="form_self_evaluation",
    ),
    path("<int:pk>/", views.report_page, name="report"),
    path("<int:pk>/act/<slug:verb>/", views.report_step, name="step"),
    path("<int:pk>/export/<slug:fmt>/", views.report_export, name="export"),
    path("<int:pk>/upload/", views.report_upload, name="upload"),
    path("<int:pk>/comments/", views.report_comment, name="comment"),
    path(
        "<int:pk>/comments/<int:comment_id>/resolve/",
        views.report_comment_resolve,
        name="comment_resolve",
    ),
]
