from django.urls import path

from projects import views
from projects.filing import views as filing_views
from projects.review import assignment_views, dashboard_views, notification_views, opinion_views
from projects.review import views as review_views

app_name = "projects"

urlpatterns = [
    path("", views.form_list, name="form_list"),
    path("<int:pk>/", views.form_detail, name="form_detail"),
    path("<int:pk>/compare/", views.form_compare, name="form_compare"),
    # filing (issue 8)
    path("new/", filing_views.form_new, name="form_new"),
    path("<int:pk>/edit/", filing_views.form_edit, name="form_edit"),
    path("<int:pk>/edit/row/", filing_views.form_edit_row, name="form_edit_row"),
    path("<int:pk>/edit/paste/", filing_views.form_edit_paste, name="form_edit_paste"),
    path("<int:pk>/roll-over/", filing_views.form_roll_over, name="form_roll_over"),
    path(
        "<int:pk>/edit/leftover-done/",
        filing_views.form_leftover_done,
        name="form_leftover_done",
    ),
    # review (issue 9)
    path("<int:pk>/act/<slug:verb>/", review_views.form_act, name="form_act"),
    path("<int:pk>/grade/", review_views.form_grade, name="form_grade"),
    path("queue/", review_views.queue, name="queue"),
    path("queue/batch/", review_views.queue_batch, name="queue_batch"),
    path("queue/assign/", review_views.queue_assign, name="queue_assign"),
    path("assignments/", assignment_views.assignments, name="assignments"),
    path("opinions/", opinion_views.my_opinions_page, name="my_opinions"),
    path("queue/export.xlsx", views.queue_export, name="queue_export"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("<int:pk>/comments/", review_views.comment_add, name="comment_add"),
    path(
        "<int:pk>/comments/<int:comment_id>/answer/",
        review_views.comment_answer,
        name="comment_answer",
    ),
    path(
        "<int:pk>/comments/<int:comment_id>/resolve/",
        review_views.comment_resolve,
        name="comment_resolve",
    ),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("notifications/count/", notification_views.notification_count, name="notification_count"),
    path("notifications/<int:pk>/", notification_views.notification_open, name="notification_open"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    # exports (issue 4)
    path("<int:pk>/export/<slug:fmt>/", views.form_export, name="form_export"),
    path("export/", views.export_page, name="export"),
    path("export/jobs/<int:pk>/", views.export_job, name="export_job"),
    path("export/jobs/<int:pk>/download/", views.export_job_download, name="export_job_download"),
    # bulk import (issue 3)
    path("import/", views.import_upload, name="import_upload"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/commit/", views.import_commit, name="import_commit"),
    path("import/cancel/", views.import_cancel, name="import_cancel"),
    path("import/retry/", views.import_retry, name="import_retry"),
]
