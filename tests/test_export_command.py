"""manage.py export_forms: the same batch export as the page, written to a file."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.export_helpers import (
    has_embedded_cjk_serif,
    make_dongguan_form,
    make_guangzhou_forms,
    make_shenzhen_form,
    nonempty,
    normalize,
    pdf_text,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("export_forms", *args, stdout=out)
    return out.getvalue()


def test_it_writes_a_department_year_as_one_pdf(tmp_path):
    form = make_dongguan_form()
    make_shenzhen_form()
    output = tmp_path / "out.pdf"

    message = run(
        "--layout",
        "dongguan",
        "--format",
        "pdf",
        "--year",
        "2023",
        "--department",
        "东莞市财政局",
        "-o",
        str(output),
    )

    assert str(output) in message
    text = normalize(pdf_text(output))
    assert normalize(form.project.name) in text and "信息安全运行维护" not in text
    assert has_embedded_cjk_serif(output)


def test_it_writes_a_unit_stacked_in_one_sheet(tmp_path):
    make_dongguan_form()
    output = tmp_path / "out.xlsx"

    run(
        "--layout",
        "shenzhen",
        "--format",
        "xlsx",
        "--unit",
        "东莞市财政局信息中心",
        "--stacked",
        "-o",
        str(output),
    )

    rows = nonempty(xlsx_rows(output.read_bytes()))
    assert rows[0] == ["二级项目支出绩效目标申报表"]


def test_it_writes_the_guangzhou_table_of_a_department(tmp_path):
    make_guangzhou_forms()
    output = tmp_path / "gz.xlsx"

    run(
        "--layout",
        "guangzhou",
        "--format",
        "xlsx",
        "--department",
        "广州市财政局",
        "--year",
        "2023",
        "-o",
        str(output),
    )

    ws = load_workbook(output).active
    assert ws["A1"].value == "广州市财政局2023年项目支出绩效目标表（含转移支付项目）"
    assert ws.print_title_rows == "$1:$4"


def test_it_exports_chosen_projects(tmp_path):
    form = make_dongguan_form()
    other = make_shenzhen_form()
    output = tmp_path / "p.xlsx"

    run(
        "--layout",
        "shenzhen",
        "--format",
        "xlsx",
        "--project",
        str(other.project_id),
        "-o",
        str(output),
    )

    assert load_workbook(output).sheetnames == [other.project.name]
    assert form.project.name not in load_workbook(output).sheetnames


def test_it_refuses_an_unknown_department(tmp_path):
    with pytest.raises(CommandError, match="没有名为"):
        run(
            "--layout",
            "dongguan",
            "--format",
            "pdf",
            "--department",
            "不存在的部门",
            "-o",
            str(tmp_path / "x.pdf"),
        )


def test_it_says_when_nothing_matches(tmp_path):
    with pytest.raises(CommandError, match="没有符合条件"):
        run(
            "--layout",
            "dongguan",
            "--format",
            "pdf",
            "--year",
            "2030",
            "-o",
            str(tmp_path / "x.pdf"),
        )
