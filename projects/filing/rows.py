"""The editor's indicator rows as HTML, written here rather than by the template: a form of 50
indicators has 60 rows of ten inputs, and the template's tags, variables and bound fields
(some microseconds each, 8,000 nodes a page) were most of the page's time. Every text written
is escaped here (values, labels, errors, readings, names); the prefixes and field names are
the formset's own. The row's findings and reviewers' comments, when it has any, are still
drawn by their templates (``include``).

``tests/test_filing_views.py`` reads the page's inputs back as the browser posts them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.html import escape

from projects.filing.editor import Editor, Group, InitialRow, RowView
from projects.filing.forms import IndicatorForm as Form
from projects.filing.forms import field_value

# what draws a template with a few names added to the page's context
Include = Callable[[str, dict[str, Any]], str]

HIDDEN_VALUES = ("period_value", "annual_value", "value", "explanation")


def _text(value: Any) -> str:
    """``{{ value|default_if_none:'' }}``."""
    return "" if value is None else escape(value)


def _errors(form: Form | InitialRow, name: str) -> list[str]:
    return [str(error) for error in form.errors.get(name, ())] if form.is_bound else []


def _error_divs(errors: Iterable[str]) -> str:
    return "".join(f'<div class="invalid-feedback">{escape(error)}</div>' for error in errors)


def _invalid(errors: list[str]) -> str:
    return " is-invalid" if errors else ""


def indicator_row(row: RowView, group: Group, editor: Editor, include: Include) -> str:
    """One row of the indicator table: its inputs named as the formset reads them."""
    form = row.form
    prefix = form.prefix or ""
    fields = form.fields
    parts = [
        f'<div class="indicator-row px-3 py-2{" has-findings" if row.findings else ""}"'
        f' id="row-{escape(prefix)}">'
        f'<input type="hidden" name="{prefix}-uid" id="uid-{escape(prefix)}"'
        f' value="{_text(field_value(form, "uid"))}">'
        '<div class="row g-2 align-items-start"><div class="col-12 col-md-3">'
    ]
    errors = _errors(form, "name")
    library = f' list="library-{group.id:d}"' if group.library else ""
    parts.append(
        f'<label class="form-label small mb-0" for="id_{prefix}-name">三级指标</label>'
        f'<input type="text" class="form-control form-control-sm{_invalid(errors)}"'
        f' name="{prefix}-name" id="id_{prefix}-name" value="{_text(field_value(form, "name"))}"'
        f' maxlength="{_max_length(form, "name")}"{library} autocomplete="off">'
        f"{_error_divs(errors)}"
    )
    if row.suggestion:
        parts.append(
            f'<div class="form-text text-primary">建议归入：{escape(row.suggestion)}'
            "（在“类别”中选择以确认）</div>"
        )
    parts.append("</div>")
    for name, value, reading in row.cells:
        errors = _errors(form, name)
        parts.append(
            '<div class="col-6 col-md">'
            f'<label class="form-label small mb-0" for="id_{prefix}-{name}">'
            f"{escape(fields[name].label or '')}</label>"
            f'<input type="text" class="form-control form-control-sm{_invalid(errors)}"'
            f' name="{prefix}-{name}" id="id_{prefix}-{name}" value="{_text(value)}"'
            f' maxlength="{_max_length(form, name)}">{_error_divs(errors)}'
        )
        if reading:
            parts.append(f'<div class="form-text reading">读作：{escape(reading)}</div>')
        if name == editor.target_column:  # last year's target and what it achieved
            parts.append(_last_year(row))
        parts.append("</div>")
    for name in HIDDEN_VALUES:  # the values the layout does not print, kept as they are
        if name in fields and name not in editor.value_columns:
            parts.append(
                f'<input type="hidden" name="{prefix}-{name}"'
                f' value="{_text(field_value(form, name))}">'
            )
    parts.append(
        '<div class="col-6 col-md-2">'
        f'<label class="form-label small mb-0" for="id_{prefix}-category">类别</label>'
        f'<select name="{prefix}-category" id="id_{prefix}-category"'
        ' class="form-select form-select-sm">'
        + _options(editor, row.category_id)
        + "</select></div>"
    )
    # a row added to the page is a lone form, numbered as the formset will read it
    order = field_value(form, "ORDER") if "ORDER" in fields else None
    parts.append(
        '<div class="col-3 col-md-1">'
        f'<label class="form-label small mb-0" for="id_{prefix}-ORDER">序号</label>'
        f'<input type="number" class="form-control form-control-sm" name="{prefix}-ORDER"'
        f' id="id_{prefix}-ORDER" value="{_text(order)}" min="0"></div>'
    )
    deleted = " checked" if "DELETE" in fields and field_value(form, "DELETE") else ""
    parts.append(
        '<div class="col-3 col-md-auto pt-md-3"><div class="form-check">'
        f'<input class="form-check-input" type="checkbox" name="{prefix}-DELETE"'
        f' id="id_{prefix}-DELETE"{deleted}>'
        f'<label class="form-check-label small" for="id_{prefix}-DELETE">删除</label></div>'
    )
    core = field_value(form, "core")
    if editor.layout.key != "shenzhen":
        if core:
            parts.append(f'<input type="hidden" name="{prefix}-core" value="on">')
    else:
        parts.append(
            '<div class="form-check">'
            f'<input class="form-check-input" type="checkbox" name="{prefix}-core"'
            f' id="id_{prefix}-core"{" checked" if core else ""}>'
            f'<label class="form-check-label small" for="id_{prefix}-core">核心</label></div>'
        )
    parts.append("</div></div>")
    if row.findings:
        parts.append(include("filing/partials/findings.html", {"findings": row.findings}))
    for comment in row.comments:
        parts.append(include("filing/partials/comment_answer.html", {"comment": comment}))
    parts.append("</div>")
    return "".join(parts)


def _max_length(form: Form | InitialRow, name: str) -> str:
    length = getattr(form.fields[name], "max_length", None)
    return "" if length is None else f"{length:d}"


def _options(editor: Editor, chosen: int | None) -> str:
    """The category menu: the same for every row but the one selected, so drawn once a page
    (``Editor.category_options``) and marked here."""
    options = editor.category_options()
    if chosen is None:
        return "".join(html for _value, html in options)
    return "".join(
        html.replace(">", " selected>", 1) if value == chosen else html for value, html in options
    )


def _last_year(row: RowView) -> str:
    """Under the target: last year's target, and last year's actual with its marks (预计,
    1—7月, 未审核) and, for a screen reader and on hover, where it comes from."""
    parts = []
    if row.last_year:
        parts.append(f'<div class="form-text last-target">上年：{escape(row.last_year)}</div>')
    if (actual := row.last_actual) is not None:
        marks = "".join(
            ' <span class="badge '
            + ("text-bg-warning" if mark == "未审核" else "text-bg-light border")
            + f'">{escape(mark)}</span>'
            for mark in actual.marks
        )
        parts.append(
            f'<div class="form-text last-actual" title="{escape(actual.explanation)}">'
            f'上年实际：<span class="text-body">{escape(actual.value)}</span>{marks}'
            f'<span class="visually-hidden">（{escape(actual.explanation)}）</span></div>'
        )
    return "".join(parts)
