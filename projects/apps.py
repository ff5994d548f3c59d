from collections.abc import Callable, Sequence

from django.apps import AppConfig
from django.db import models


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目与绩效目标表"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from projects.filing.checks import check_choices
        from projects.layouts import layout_choices
        from projects.models import CheckSetting, PerformanceForm
        from projects.models.fields import register_pinyin_collation

        connection_created.connect(register_pinyin_collation, dispatch_uid="zh_pinyin")
        # Fields that name what a package above the models registers take their choices from
        # that registry, read each time they are asked for: a layout or a check registered
        # later is a choice too.
        _choices_from(PerformanceForm, "layout", layout_choices)
        _choices_from(CheckSetting, "check_id", check_choices)


def _choices_from(
    model: type[models.Model], name: str, registry: Callable[[], Sequence[tuple[str, object]]]
) -> None:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    # Django takes a callable for choices (evaluated lazily); the stubs do not know it
    field.choices = registry  # type: ignore[assignment]
