from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

admin.site.site_header = "项目绩效目标管理 · 系统管理"
admin.site.site_title = "项目绩效目标管理"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="projects:form_list", permanent=False), name="home"),
    # browsers ask for /favicon.ico whatever the page links; the file is a static one
    path(
        "favicon.ico",
        RedirectView.as_view(
            url=lazy(static, str)("favicon.ico"), http_method_names=["get", "head"]
        ),
        name="favicon",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("forms/", include("projects.urls")),
    path("cycle/", include("projects.cycle.urls")),
]
