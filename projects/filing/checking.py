"""Running the checks on a form: its framework's categories and settings, and last year's
content of the same project, read from the database in a fixed number of queries."""

from __future__ import annotations

from indicators.models import Category
from projects.content import FormContent, load_content
from projects.filing.checks import (
    CategoryInfo,
    CheckContext,
    Finding,
    Setting,
    Severity,
    run_checks,
)
from projects.models import CheckSetting, PerformanceForm


def framework_info(framework_id: int) -> list[CategoryInfo]:
    """The framework's categories in order, each second-level one with its core flag (a
    first-level category with no children stands for itself)."""
    categories = list(
        Category.objects.filter(framework_id=framework_id).order_by("level", "order", "id")
    )
    tops = [c for c in categories if c.level == 1]
    found: list[CategoryInfo] = []
    for top in tops:
        children = [c for c in categories if c.parent_id == top.pk]
        if not children:
            found.append(CategoryInfo(top.name, "", top.is_core))
        found += [CategoryInfo(top.name, child.name, child.is_core) for child in children]
    return found


def framework_settings(framework_id: int) -> dict[str, Setting]:
    return {
        row.check_id: Setting(row.enabled, Severity(row.severity) if row.severity else None)
        for row in CheckSetting.objects.filter(framework_id=framework_id)
    }


def check_content(
    content: FormContent, *, framework_id: int, last_year: FormContent | None = None
) -> list[Finding]:
    context = CheckContext(content, framework_info(framework_id), last_year)
    return run_checks(context, framework_settings(framework_id))


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


def check_form(form: PerformanceForm, content: FormContent | None = None) -> list[Finding]:
    """The findings on a saved form (or on ``content`` about to be saved onto it)."""
    return check_content(
        content if content is not None else load_content(form),
        framework_id=form.framework_id,
        last_year=last_years_content(form.project_id, form.fiscal_year),
    )
