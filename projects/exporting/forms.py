"""The batch export request as a Django form (the export page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms

from projects.exporting.batch import Selection
from projects.layouts import LAYOUTS
from projects.models import Organization, PerformanceForm

if TYPE_CHECKING:
    from projects.permissions import Actor


def export_layout_choices() -> list[tuple[str, str]]:
    """Every registered layout, with how it prints a batch: a table a form (each from a new
    page), or a table a department and year."""
    return [
        (
            key,
            ("%(label)s（每表一页起）" if layout.per_form else "%(label)s（按部门和年度汇总）")
            % {"label": layout.label},
        )
        for key, layout in LAYOUTS.items()
    ]


class ExportRequestForm(forms.Form):
    layout = forms.ChoiceField(label="表样", choices=export_layout_choices)
    format = forms.ChoiceField(label="格式", choices=[("pdf", "PDF"), ("xlsx", "Excel (xlsx)")])
    year = forms.TypedChoiceField(label="预算年度", coerce=int, required=False, empty_value=None)
    department = forms.ModelChoiceField(
        label="主管部门",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="全部",
    )
    unit = forms.ModelChoiceField(
        label="用款单位",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="全部",
    )
    stacked = forms.BooleanField(
        label="Excel 中所有表放在同一工作表（上下排列）",
        required=False,
        help_text="不勾选时每张表一个工作表，以项目名称命名。",
    )
    drafts = forms.BooleanField(
        label="正在调整的表导出调整稿",
        required=False,
        help_text="不勾选时导出现行有效（已通过）的版本；勾选时导出调整稿，标题注明“调整稿”。",
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any):
        super().__init__(*args, **kwargs)
        visible = PerformanceForm.objects.visible_to(actor)
        years = visible.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
        self.fields["year"].choices = [("", "全部")] + [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        department_field = cast("forms.ModelChoiceField[Organization]", self.fields["department"])
        department_field.queryset = (
            Organization.objects.filter(
                kind=Organization.Kind.DEPARTMENT, department_projects__forms__in=visible
            )
            .distinct()
            .order_by("name")
        )
        unit_field = cast("forms.ModelChoiceField[Organization]", self.fields["unit"])
        unit_field.queryset = (
            Organization.objects.filter(kind=Organization.Kind.UNIT, projects__forms__in=visible)
            .distinct()
            .order_by("parent__name", "name")
        )

    def selection(self) -> Selection:
        data = self.cleaned_data
        department, unit = data.get("department"), data.get("unit")
        labels = {}
        if department:
            labels["department"] = department.name
        if unit:
            labels["unit"] = unit.name
        return Selection(
            layout=data["layout"],
            format=data["format"],
            year=data.get("year"),
            department_id=department.pk if department else None,
            unit_id=unit.pk if unit else None,
            stacked=bool(data.get("stacked")),
            drafts=bool(data.get("drafts")),
            labels=labels,
        )
