from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.form_list, name="form_list"),
    path("<int:pk>/", views.form_detail, name="form_detail"),
]
