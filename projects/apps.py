from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目与绩效目标表")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from projects.models.fields import register_pinyin_collation

        connection_created.connect(register_pinyin_collation, dispatch_uid="zh_pinyin")
