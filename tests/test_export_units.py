"""Every amount is printed in the unit its label states: each seed form (东莞, 深圳, 广州) in each
layout, as xlsx and as PDF. Amounts are kept in 元; the 东莞 table states 元, the 深圳 and 广州
tables the official 万元 (a 深圳 form whose own sheet stated 元 keeps 元)."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from projects.exporting.batch import Selection, export_batch, export_form
from projects.layouts import GUANGZHOU_AMOUNT_KEYS, format_plain_yuan, yuan_to_wan
from projects.management.commands.load_demo import SEED_DIR
from projects.models import Organization, PerformanceForm
from projects.services.importing import import_files

# A per-form table's amount labels: the amount they name and the unit they state.
NUMBER = re.compile(r"-?[\d,]+(\.\d+)?")
AMOUNT_LABEL = re.compile(r"(总金额|年预算金额|年度项目金额).*[（(](万元|元)[)）]")


@pytest.fixture
def seeds(db) -> list[PerformanceForm]:
    import_files(paths=sorted(SEED_DIR.glob("*.txt")), year=2023)
    forms = list(PerformanceForm.objects.order_by("id"))
    assert {form.layout for form in forms} == {"dongguan", "shenzhen", "guangzhou"}
    return forms


def in_unit(amount: Decimal, unit: str) -> Decimal:
    return amount if unit == "元" else yuan_to_wan(amount)


def number(value: object) -> Decimal:
    return Decimal(str(value).replace(",", ""))


def labelled_amounts(content: bytes) -> list[tuple[str, str, Decimal]]:
    """(amount key, unit, the number printed after its label) of a per-form xlsx."""
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    found = []
    for row in sheet.iter_rows(values_only=True):
        cells = [cell for cell in row if cell is not None and str(cell).strip()]
        for index, cell in enumerate(cells[:-1]):
            match = AMOUNT_LABEL.search(str(cell))
            if match and not AMOUNT_LABEL.search(str(cells[index + 1])):
                key = "total" if match.group(1) == "总金额" else "annual"
                found.append((key, match.group(2), number(cells[index + 1])))
    return found


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "amounts.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("layout", ["dongguan", "shenzhen"])
def test_every_seed_form_prints_its_amounts_in_the_unit_of_their_labels(seeds, layout, tmp_path):
    for form in seeds:
        stored = {"annual": form.annual_amount, "total": form.total_amount}
        printed = labelled_amounts(export_form(form=form, fmt="xlsx", layout=layout).content)
        units = {unit for _key, unit, _value in printed}
        expected_unit = "元" if layout == "dongguan" else "万元"
        if layout == "shenzhen" and form.layout == "shenzhen" and form.amount_unit_label == "元":
            expected_unit = "元"
        assert units == {expected_unit}, (form.project.name, layout, printed)
        for key, unit, value in printed:
            amount = stored[key]
            assert amount is not None, (form.project.name, key)
            assert value == in_unit(amount, unit), (form.project.name, layout, key)

        text = pdf_text(export_form(form=form, fmt="pdf", layout=layout).content, tmp_path)
        for key, amount in stored.items():
            if amount is None or (layout == "dongguan" and key == "total"):
                continue  # 东莞 prints the year's amount only
            shown = (
                format_plain_yuan(amount)
                if expected_unit == "元" and layout == "dongguan"
                else f"{in_unit(amount, expected_unit):,.2f}"
            )
            assert shown in text, (form.project.name, layout, key, shown)
            if expected_unit == "万元" and amount >= 10000:
                assert f"{amount:,.2f}" not in text, (form.project.name, layout, key)


def test_every_departments_guangzhou_table_prints_its_amounts_in_wan_yuan(seeds, tmp_path):
    for department in Organization.objects.filter(kind=Organization.Kind.DEPARTMENT):
        forms = [form for form in seeds if form.project.department_id == department.pk]
        if not forms:
            continue
        xlsx = export_batch(
            actor=None,
            selection=Selection(layout="guangzhou", format="xlsx", department_id=department.pk),
        ).content
        sheet = load_workbook(BytesIO(xlsx)).worksheets[0]
        rows: dict[str, list[tuple[object, ...]]] = {}
        for row in sheet.iter_rows(values_only=True):
            if row and row[0]:
                rows.setdefault(str(row[0]), []).append(row)
        assert any("单位：万元" in str(name) or "单位:万元" in str(name) for name in rows)
        pdf = export_batch(
            actor=None,
            selection=Selection(layout="guangzhou", format="pdf", department_id=department.pk),
        ).content
        text = pdf_text(pdf, tmp_path)
        for form in forms:
            amounts = [
                form.annual_amount,
                form.fiscal_amount,
                form.special_amount,
                form.other_amount,
            ]
            wanted = [None if amount is None else yuan_to_wan(amount) for amount in amounts]
            printed = [
                [None if cell in (None, "") else number(cell) for cell in row[2:6]]
                for row in rows[form.project.name]  # a name may stand in two units
                if all(cell in (None, "") or NUMBER.fullmatch(str(cell)) for cell in row[2:6])
            ]
            assert wanted in printed, (form.project.name, wanted, printed)
            for key, value in zip(GUANGZHOU_AMOUNT_KEYS, wanted, strict=True):
                if value is not None:
                    assert f"{value:,.2f}" in text, (form.project.name, key)
