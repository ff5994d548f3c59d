"""Running the checks on a form: its framework's categories and settings, last year's content
of the same project and, for the indicators rolled over from it, their targets and actuals
(``projects.filing.last_year``), read from the database in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from indicators.models import Framework
from projects.content import CategoryLookup, FormContent, load_content
from projects.content.findings import Finding
from projects.filing.checks import CategoryInfo, CheckContext, Setting, run_checks
from projects.filing.last_year import LastYearIndicator, last_years, last_years_of
from projects.importing.plan import ImportPlan
from projects.models import CheckSetting, PerformanceForm, Severity


def framework_info(
    framework_id: int, categories: CategoryLookup | None = None
) -> list[CategoryInfo]:
    """The framework's categories in order, each second-level one with its core flag (a
    first-level category with no children stands for itself)."""
    return [
        CategoryInfo(c.level1, c.level2, c.is_core)
        for c in (categories or CategoryLookup()).in_order(framework_id)
    ]


def framework_settings(framework_id: int) -> dict[str, Setting]:
    return {
        row.check_id: Setting(row.enabled, Severity(row.severity) if row.severity else None)
        for row in CheckSetting.objects.filter(framework_id=framework_id)
    }


class Checker:
    """Runs the checks on many contents, reading each framework's categories and settings
    once."""

    def __init__(self) -> None:
        self._categories = CategoryLookup()
        self._settings: dict[int, dict[str, Setting]] = {}

    def run(
        self,
        content: FormContent,
        *,
        framework_id: int,
        last_year: FormContent | None = None,
        origins: Mapping[str, LastYearIndicator] | None = None,
    ) -> list[Finding]:
        if framework_id not in self._settings:
            self._settings[framework_id] = framework_settings(framework_id)
        info = framework_info(framework_id, self._categories)
        context = CheckContext(content, info, last_year, origins=origins or {})
        return run_checks(context, self._settings[framework_id])


def check_content(
    content: FormContent,
    *,
    framework_id: int,
    last_year: FormContent | None = None,
    origins: Mapping[str, LastYearIndicator] | None = None,
) -> list[Finding]:
    """The findings on a content (``origins``: by indicator uid, the indicators it was rolled
    over from, with last year's targets and actuals)."""
    return Checker().run(content, framework_id=framework_id, last_year=last_year, origins=origins)


def check_plan(plan: ImportPlan, progress: Callable[[int], None] | None = None) -> None:
    """The checks on every form of an import preview (``PlannedForm.findings``), in a fixed
    number of queries: the saved forms' frameworks, last year's forms, the origins of the saved
    forms' indicators and their actuals, each framework once.
    ``progress(n)``: called after each form with the number checked so far."""
    default = Framework.objects.filter(is_default=True).values_list("pk", flat=True).first()
    frameworks = dict(
        PerformanceForm.objects.filter(
            pk__in=[f.form_id for f in plan.forms if f.form_id]
        ).values_list("pk", "framework_id")
    )
    wanted = {(f.project_id, f.data.fiscal_year - 1) for f in plan.forms if f.project_id}
    last_years = {
        (form.project_id, form.fiscal_year): load_content(form)
        for form in PerformanceForm.objects.filter(
            project_id__in={p for p, _y in wanted}, fiscal_year__in={y for _p, y in wanted}
        ).with_content()
    }
    origins = last_years_of(
        [
            f.form_id
            for f in plan.forms
            if f.form_id and (f.project_id or 0, f.data.fiscal_year - 1) in last_years
        ]
    )
    checker = Checker()
    for done, planned in enumerate(plan.forms, start=1):
        framework_id = frameworks.get(planned.form_id or 0, default)
        if framework_id is not None:
            planned.findings = checker.run(
                planned.data,
                framework_id=framework_id,
                last_year=last_years.get((planned.project_id or 0, planned.data.fiscal_year - 1)),
                origins=origins.get(planned.form_id or 0),
            )
        if progress is not None:
            progress(done)


def last_years_content(project_id: int | None, fiscal_year: int) -> FormContent | None:
    """The project's form of the year before ``fiscal_year``, if any."""
    if project_id is None:
        return None
    before = (
        PerformanceForm.objects.filter(project_id=project_id, fiscal_year=fiscal_year - 1)
        .with_content()
        .first()
    )
    return load_content(before) if before is not None else None


def origins_of(
    form: PerformanceForm, last_year: FormContent | None
) -> dict[str, LastYearIndicator]:
    """By indicator uid, the indicators of last year the form's were rolled over from, with
    their targets and actuals; nothing is read when the project has no form last year (an
    origin is last year's indicator of the same project)."""
    return last_years(form.pk) if last_year is not None else {}


def check_form(form: PerformanceForm, content: FormContent | None = None) -> list[Finding]:
    """The findings on a saved form (or on ``content`` about to be saved onto it)."""
    last_year = last_years_content(form.project_id, form.fiscal_year)
    return check_content(
        content if content is not None else load_content(form),
        framework_id=form.framework_id,
        last_year=last_year,
        origins=origins_of(form, last_year),
    )
