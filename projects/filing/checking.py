"""Running the checks on a form: its framework's categories and settings, last year's content
of the same project, which of its indicators this form's continue and what they achieved
(``projects.filing.last_year``), read from the database in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from indicators.models import Framework
from projects.content import CategoryLookup, FormContent, load_content
from projects.content.findings import Finding
from projects.filing.checks import CategoryInfo, CheckContext, LastYear, Setting, run_checks
from projects.filing.last_year import LastActual, actuals_of, origins_of
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

    def __init__(self, categories: CategoryLookup | None = None) -> None:
        self._categories = categories or CategoryLookup()
        self._settings: dict[int, dict[str, Setting]] = {}

    def run(
        self,
        content: FormContent,
        *,
        framework_id: int,
        last_year: FormContent | None = None,
        origins: Mapping[str, str] | None = None,
        last_actuals: Mapping[str, LastActual] | None = None,
    ) -> list[Finding]:
        if framework_id not in self._settings:
            self._settings[framework_id] = framework_settings(framework_id)
        info = framework_info(framework_id, self._categories)
        context = CheckContext(
            content, info, LastYear(last_year, origins or {}, last_actuals or {})
        )
        return run_checks(context, self._settings[framework_id])


def check_content(
    content: FormContent,
    *,
    framework_id: int,
    last_year: FormContent | None = None,
    origins: Mapping[str, str] | None = None,
    last_actuals: Mapping[str, LastActual] | None = None,
    categories: CategoryLookup | None = None,
) -> list[Finding]:
    """The findings on a content (``origins``: a saved row's uid -> the uid of last year's
    row it was rolled over from; ``last_actuals``: what last year's rows achieved;
    ``categories``: the frameworks' categories already read, when the caller has them)."""
    return Checker(categories).run(
        content,
        framework_id=framework_id,
        last_year=last_year,
        origins=origins,
        last_actuals=last_actuals,
    )


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
    before = list(
        PerformanceForm.objects.filter(
            project_id__in={p for p, _y in wanted}, fiscal_year__in={y for _p, y in wanted}
        ).with_content()
    )
    last_years = {(form.project_id, form.fiscal_year): load_content(form) for form in before}
    origins = origins_of(
        [
            f.form_id
            for f in plan.forms
            if f.form_id and (f.project_id or 0, f.data.fiscal_year - 1) in last_years
        ]
    )
    actuals = actuals_of([form.pk for form in before])
    checker = Checker()
    for done, planned in enumerate(plan.forms, start=1):
        framework_id = frameworks.get(planned.form_id or 0, default)
        if framework_id is not None:
            planned.findings = checker.run(
                planned.data,
                framework_id=framework_id,
                last_year=last_years.get((planned.project_id or 0, planned.data.fiscal_year - 1)),
                origins=origins.get(planned.form_id or 0),
                last_actuals=actuals,
            )
        if progress is not None:
            progress(done)


def _last_years_form(project_id: int | None, fiscal_year: int) -> PerformanceForm | None:
    """The project's form of the year before ``fiscal_year``, if any, with its content."""
    if project_id is None:
        return None
    return (
        PerformanceForm.objects.filter(project_id=project_id, fiscal_year=fiscal_year - 1)
        .with_content()
        .first()
    )


def last_year_of(form: PerformanceForm) -> LastYear:
    """Last year's form of the form's project, the origins of the form's rows and what last
    year's rows achieved (``last_year_for``)."""
    return last_year_for(form.project_id, form.fiscal_year, form.pk)


def last_year_for(project_id: int | None, fiscal_year: int, form_id: int | None) -> LastYear:
    """Last year's form of a project, the origins of the rows of this year's form (when it is
    saved: ``form_id``) and what last year's rows achieved: one query when there is no form
    last year, three or four when there is (its form, its indicators, the origins of a saved
    form, the report lines)."""
    before = _last_years_form(project_id, fiscal_year)
    if before is None:
        return LastYear()
    return LastYear(
        load_content(before),
        origins_of([form_id]).get(form_id, {}) if form_id is not None else {},
        actuals_of([before.pk]),
    )


def check_last_year(
    content: FormContent,
    *,
    framework_id: int,
    last_year: LastYear,
    categories: CategoryLookup | None = None,
) -> list[Finding]:
    """The findings on a content against last year's form as ``last_year_of`` read it."""
    return check_content(
        content,
        framework_id=framework_id,
        last_year=last_year.content,
        origins=last_year.origins,
        last_actuals=last_year.actuals,
        categories=categories,
    )


def check_form(
    form: PerformanceForm,
    content: FormContent | None = None,
    categories: CategoryLookup | None = None,
) -> list[Finding]:
    """The findings on a saved form (or on ``content``: about to be saved onto it, or the
    form's own as the caller loaded it). ``categories``: the frameworks' categories already
    read (the form page lays the form out with them)."""
    return check_last_year(
        content if content is not None else load_content(form),
        framework_id=form.framework_id,
        last_year=last_year_of(form),
        categories=categories,
    )
