"""The Django forms of the reading pages (named ``*Form``; an instance is ``<purpose>_form``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from projects.errors import as_int
from projects.models import (
    ADJUSTING,
    FormCount,
    Organization,
    PerformanceForm,
    PerformanceFormQuerySet,
    ProjectTypeCount,
    in_force_status,
    pinyin,
)
from projects.permissions import Actor, counted_departments

MAX_UNITS_LISTED = 300  # beyond this, choose a department first


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits (an id, a version, a year in a request parameter): the
    one way a request's integers are read (``as_int``). "abc", "²", "٣" and "-1" are invalid,
    never a 500."""

    def to_python(self, value: object) -> int | None:
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        number = as_int(text)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class WholeNumbersField(forms.Field):
    """Several whole numbers under one name (ticked checkboxes of ids), each read as
    ``WholeNumberField`` reads one."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        values = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
        numbers = [WholeNumberField().to_python(item) for item in values]
        return [number for number in numbers if number is not None]


class CompareForm(forms.Form):
    """``?old=N&new=M`` of the history's comparison (each optional)."""

    old = WholeNumberField(required=False)
    new = WholeNumberField(required=False)


class VersionForm(forms.Form):
    """``?version=N`` of a page or a download: the version asked for (optional)."""

    version = WholeNumberField(required=False)


class SeenVersionForm(forms.Form):
    """The version of the form the page showed (``version``), posted with a decision or a
    save: acting on another version is refused."""

    version = WholeNumberField()
    # the page's clock (static/js/app.js), sent with each save of the editor
    edit_seq = WholeNumberField(required=False)

    def seen(self) -> int | None:
        return self.cleaned_data["version"] if self.is_valid() else None

    def sequence(self) -> int | None:
        return self.cleaned_data.get("edit_seq") if self.is_valid() else None


class NewRowsForm(forms.Form):
    """``?category=`` of the rows to add, and the editor's row count (``ind-TOTAL_FORMS``) they
    are numbered after (from the query or the posted page)."""

    category = WholeNumberField(required=False)
    TOTAL_FORMS = WholeNumberField(required=False)


class RetryForm(forms.Form):
    """The job to run again, posted from the export pages."""

    retry = WholeNumberField()


# The list's status filter: the adjustment's status, or every form being adjusted.
ADJUSTING_CHOICE = "adjusting"


class ListFilterForm(forms.Form):
    """The filters of the form list. Choices come from the forms the user can see."""

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "项目名称、编码或单位"}),
    )
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(
        label="主管部门", required=False, coerce=int, empty_value=None
    )
    unit = forms.TypedChoiceField(label="用款单位", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *PerformanceForm.Status.choices, (ADJUSTING_CHOICE, "调整中")],
    )
    project_type = forms.ChoiceField(label="项目类型", required=False)

    def __init__(
        self,
        data: object,
        *,
        visible: PerformanceFormQuerySet,
        sees_everything: bool = False,
        season: int | None = None,
        actor: Actor | None = None,
    ) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        # the years and the project types: of the counts the database keeps for whoever sees
        # whole departments (a few rows a department), else of the forms seen (a unit's)
        kept = counted_departments(actor) if actor is not None else None
        years: QuerySet[Any, int]
        if kept is not None:
            counts = FormCount.objects.filter(kept, forms__gt=0).order_by("-fiscal_year")
            years = counts.values_list("fiscal_year", flat=True)
        else:
            years = visible.order_by("-fiscal_year").values_list("fiscal_year", flat=True)
        self.years = list(years.distinct())
        if season is not None and self.years and season not in self.years:
            # the season's year is a choice even before anyone files for it
            self.years = sorted({*self.years, season}, reverse=True)
        self.fields["year"].choices = [("", "全部年度"), *((y, str(y)) for y in self.years)]  # type: ignore[attr-defined]
        # departments: every one for whom sees every form (no scan of the forms), else those of
        # the forms they see; units: only the chosen department's (a city has thousands)
        if sees_everything:
            departments_qs = Organization.objects.filter(kind=Organization.Kind.DEPARTMENT)
        else:
            departments_qs = Organization.objects.filter(id__in=visible.values("department"))
        departments: list[tuple[object, str]] = [("", "全部部门")]
        departments += departments_qs.order_by(pinyin("name")).values_list("id", "name")
        self.fields["department"].choices = departments  # type: ignore[attr-defined]
        chosen = self.data.get("department", "") if hasattr(self.data, "get") else ""
        units: list[tuple[object, str]] = [("", "全部单位")]
        if (department_id := as_int(str(chosen))) is not None:
            unit_qs = Organization.objects.filter(parent_id=department_id)
            if not sees_everything:
                unit_qs = unit_qs.filter(id__in=visible.values("project__unit"))
            units += unit_qs.order_by(pinyin("name")).values_list("id", "name")
        elif not sees_everything:
            units += (
                Organization.objects.filter(id__in=visible.values("project__unit"))
                .order_by(pinyin("name"))
                .values_list("id", "name")[:MAX_UNITS_LISTED]
            )
        self.fields["unit"].choices = units  # type: ignore[attr-defined]
        types: QuerySet[Any, str]
        if kept is not None:
            typed = ProjectTypeCount.objects.filter(kept, forms__gt=0).order_by("project_type")
            types = typed.values_list("project_type", flat=True).distinct()
        else:
            forms_typed = visible.exclude(project_type="").order_by("project_type")
            types = forms_typed.values_list("project_type", flat=True).distinct()
        self.fields["project_type"].choices = [("", "全部类型"), *((t, t) for t in types)]  # type: ignore[attr-defined]

    def apply(self, queryset: PerformanceFormQuerySet) -> PerformanceFormQuerySet:
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            queryset = queryset.filter(
                Q(project__name__icontains=q)
                | Q(project__code__icontains=q)
                | Q(project__unit__name__icontains=q)
            )
        queryset = queryset.matching(
            year=data["year"], department=data["department"], unit=data["unit"]
        )
        if data["status"] == ADJUSTING_CHOICE:
            queryset = queryset.filter(ADJUSTING)
        elif data["status"]:  # the status in force, as the list shows it
            queryset = queryset.filter(in_force_status(data["status"]))
        if data["project_type"]:
            queryset = queryset.filter(project_type=data["project_type"])
        return queryset
