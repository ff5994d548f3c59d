"""The report page's form: the funds, the goal's outcome and each line's entries, as typed.
A refused save shows the page again with everything as typed, each problem beside its field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from indicators.scoring import is_qualitative
from projects.cycle.inputs import FUND_COLUMNS, FUND_ROWS, TEXT_LIMITS, LineInput, ReportInput
from projects.filing.forms import AmountField, LineField, TextField, TypedAmount
from projects.models import Report, ReportLine

YUAN = Decimal(1)
CHOICE_FIELDS = {
    "likelihood": ReportLine.Likelihood,
    "achieved": ReportLine.Achieved,
    "reason_kind": ReportLine.ReasonKind,
}


def _choice(label: str, choices: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "—"), *choices.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


def _text(label: str, key: str, *, rows: int = 2) -> TextField:
    return TextField(
        label=label,
        required=False,
        max_length=TEXT_LIMITS[key],
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control form-control-sm"}),
    )


def _line(label: str, key: str) -> LineField:
    return LineField(
        label=label,
        required=False,
        max_length=TEXT_LIMITS[key],
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class ReportForm(forms.Form):
    """Built for one report: its kind says which fields there are; each line's fields are
    named ``l<line id>-<field>``."""

    def __init__(self, report: Report, lines: list[ReportLine], *args: Any, **kwargs: Any) -> None:
        self.report = report
        self.lines = lines
        if "initial" not in kwargs:
            kwargs["initial"] = self._initial()
        super().__init__(*args, **kwargs)
        months = report.months
        if report.is_monitoring:
            self.fields["annual_budget"] = AmountField(label="全年预算数（元）", required=False)
            self.fields["executed"] = AmountField(label=f"1—{months}月执行数（元）", required=False)
        else:
            self.fields["initial_budget"] = AmountField(label="年初预算数（元）", required=False)
            self.fields["annual_budget"] = AmountField(label="全年预算数（元）", required=False)
            self.fields["executed"] = AmountField(label="全年执行数（元）", required=False)
            for row, row_label in FUND_ROWS:
                for column, column_label in FUND_COLUMNS:
                    self.fields[f"fund-{row}-{column}"] = AmountField(
                        label=f"{row_label}{column_label}（元）", required=False
                    )
            self.fields["goal_actual"] = _text("年度总体目标实际完成情况", "goal_actual", rows=4)
        for line in lines:
            prefix = f"l{line.pk}-"
            if report.is_monitoring:
                self.fields[prefix + "actual"] = _line(f"1—{months}月实际完成值", "actual")
                self.fields[prefix + "projected"] = _line("全年预计完成值", "projected")
                self.fields[prefix + "likelihood"] = _choice(
                    "完成目标可能性", ReportLine.Likelihood
                )
                self.fields[prefix + "reason_kind"] = _choice("偏差原因类型", ReportLine.ReasonKind)
                self.fields[prefix + "reason"] = _text("偏差原因", "reason")
                self.fields[prefix + "measures"] = _text("纠偏措施", "measures")
            else:
                self.fields[prefix + "actual"] = _line("实际完成值", "actual")
                if is_qualitative(line.target):
                    self.fields[prefix + "achieved"] = _choice("达成情况", ReportLine.Achieved)
                self.fields[prefix + "reason"] = _text("偏差原因分析及改进措施", "reason")

    def _initial(self) -> dict[str, Any]:
        report = self.report
        initial: dict[str, Any] = {
            "initial_budget": report.initial_budget,
            "annual_budget": report.annual_budget,
            "executed": report.executed,
            "goal_actual": report.goal_actual,
        }
        for row, columns in report.fund_rows.items():
            for column, amount in columns.items():
                initial[f"fund-{row}-{column}"] = amount
        for line in self.lines:
            for name in (
                "actual",
                "projected",
                "likelihood",
                "achieved",
                "reason_kind",
                "reason",
                "measures",
            ):
                initial[f"l{line.pk}-{name}"] = getattr(line, name)
        return initial

    def clean(self) -> dict[str, Any]:
        """Each amount in 元, to the 分: finer parts (``12.345``) are refused, not rounded."""
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            typed = cleaned.get(name)
            if isinstance(field, AmountField) and isinstance(typed, TypedAmount):
                try:
                    cleaned[name] = typed.to_yuan(YUAN)
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def line_fields(self, line: ReportLine) -> list[forms.BoundField]:
        prefix = f"l{line.pk}-"
        return [self[name] for name in self.fields if name.startswith(prefix)]

    def fund_grid(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (row_label, [self[f"fund-{row}-{column}"] for column, _c in FUND_COLUMNS])
            for row, row_label in FUND_ROWS
        ]

    def entries(self) -> ReportInput:
        data = self.cleaned_data
        fund_rows = {
            row: {column: data.get(f"fund-{row}-{column}") for column, _c in FUND_COLUMNS}
            for row, _r in FUND_ROWS
            if not self.report.is_monitoring
        }
        lines = tuple(
            LineInput(
                line_id=line.pk,
                **{
                    name: data.get(f"l{line.pk}-{name}") or ""
                    for name in (
                        "actual",
                        "projected",
                        "likelihood",
                        "achieved",
                        "reason_kind",
                        "reason",
                        "measures",
                    )
                },
            )
            for line in self.lines
        )
        return ReportInput(
            initial_budget=data.get("initial_budget"),
            annual_budget=data.get("annual_budget"),
            executed=data.get("executed"),
            fund_rows=fund_rows,
            goal_actual=data.get("goal_actual") or "",
            lines=lines,
        )


class OpenRoundForm(forms.Form):
    fiscal_year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100)
    months = forms.IntegerField(label="监控截至月份", min_value=1, max_value=12, initial=7)
    deadline = forms.DateField(label="填报截止日期", widget=forms.DateInput(attrs={"type": "date"}))


class YearForm(forms.Form):
    fiscal_year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100)


class CommentForm(forms.Form):
    line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = TextField(
        label="审核意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )
