"""Choosing and rendering batches of forms (projects.exporting.batch)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from projects.exporting import ExportError
from projects.exporting.batch import Selection, export_batch, select_forms
from projects.models import Organization, Project
from projects.permissions import Actor
from tests.export_helpers import (
    department,
    make_dongguan_form,
    make_form,
    make_guangzhou_forms,
    make_shenzhen_form,
    normalize,
    pdf_pages,
    unit,
)

pytestmark = pytest.mark.django_db


def more_forms(count: int, unit_org: Organization) -> None:
    for number in range(count):
        project = Project.objects.create(
            name=f"批量项目{number}", department=unit_org.parent, unit=unit_org
        )
        make_form(project=project, annual_amount=number * 1000, annual_goal="目标")


def sheets(content: bytes) -> list[str]:
    return load_workbook(io.BytesIO(content)).sheetnames


@pytest.mark.parametrize("extra", [0, 5])
def test_batch_export_queries_do_not_grow_with_the_number_of_forms(
    extra, bob, unit_a, django_assert_num_queries
):
    make_dongguan_form(unit_name=unit_a.name)
    more_forms(extra, unit_a)
    selection = Selection(layout="dongguan", format="xlsx", year=2023)

    # 1. the forms the reviewer may see, with project, department, unit and framework
    # 2. their indicators with categories and parent categories (prefetch)
    # 3. the framework's first-level categories
    # 4. the framework's second-level categories
    actor = Actor.for_user(bob)  # the request's actor, loaded before the export
    with django_assert_num_queries(4):
        rendered = export_batch(actor=actor, selection=selection)

    assert len(sheets(rendered.content)) == 1 + extra


def test_guangzhou_batch_export_takes_two_queries(fiona, django_assert_num_queries):
    make_guangzhou_forms()

    # 1. the forms with project, department, unit and framework
    # 2. their indicators with categories (广州 reads no framework: rows name the first level)
    actor = Actor.for_user(fiona)
    with django_assert_num_queries(2):
        export_batch(actor=actor, selection=Selection(layout="guangzhou", format="xlsx"))


def test_department_reviewer_batch_holds_only_the_department_forms(bob, unit_a, charlie_form):
    form = make_dongguan_form(unit_name=unit_a.name)
    make_shenzhen_form()

    forms = list(
        select_forms(
            actor=Actor.for_user(bob), selection=Selection(layout="dongguan", format="pdf")
        )
    )

    assert forms == [form]


def test_filters_by_unit_department_year_and_project(fiona, unit_a):
    form = make_dongguan_form(unit_name=unit_a.name)
    other_unit = unit("东莞市财政局国库支付中心", unit_a.parent)
    more_forms(2, other_unit)
    sz = make_shenzhen_form()

    def chosen(**filters):
        selection = Selection(layout="dongguan", format="pdf", **filters)
        return set(select_forms(actor=Actor.for_user(fiona), selection=selection))

    assert chosen(unit_id=unit_a.pk) == {form}
    assert len(chosen(department_id=unit_a.parent_id)) == 3
    assert chosen(department_id=sz.project.department_id) == {sz}
    assert chosen(year=2022) == set()
    assert chosen(project_ids=(form.project_id, sz.project_id)) == {form, sz}


def test_pdf_batch_starts_each_form_on_a_new_page(tmp_path, fiona, unit_a):
    first = make_dongguan_form(unit_name=unit_a.name)
    second = make_shenzhen_form()

    rendered = export_batch(
        actor=Actor.for_user(fiona), selection=Selection(layout="dongguan", format="pdf")
    )
    path = tmp_path / rendered.filename
    path.write_bytes(rendered.content)

    pages = [normalize(page) for page in pdf_pages(path)]
    assert len(pages) == 2
    assert pages[0].startswith("项目绩效目标表项目名称" + normalize(first.project.name))
    assert pages[1].startswith("项目绩效目标表项目名称" + normalize(second.project.name))
    assert "第1页,共2页" in pages[0] and "第2页,共2页" in pages[1]


def test_guangzhou_batch_has_one_sheet_per_department(fiona):
    make_guangzhou_forms()
    make_dongguan_form()

    content = export_batch(
        actor=Actor.for_user(fiona), selection=Selection(layout="guangzhou", format="xlsx")
    )

    assert sheets(content.content) == [
        "东莞市财政局2023年项目支出绩效目标表（含转移支付项目）"[:31],
        "广州市财政局2023年项目支出绩效目标表（含转移支付项目）"[:31],
    ]


def test_sheet_names_are_unique_and_valid(fiona):
    dept = department("测试部门")
    # two projects of one name in one unit: they have codes (without, they would be one project)
    for number, name in enumerate(("同名项目", "同名项目", "带/斜杠:冒号*星号?问号[方括号]")):
        make_form(
            project=Project.objects.create(
                name=name, code=f"T{number}", department=dept, unit=unit("测试单位", dept)
            )
        )

    titles = sheets(
        export_batch(
            actor=Actor.for_user(fiona), selection=Selection(layout="dongguan", format="xlsx")
        ).content
    )

    assert titles == ["同名项目", "同名项目(2)", "带_斜杠_冒号_星号_问号_方括号_"]


def test_nothing_to_export_is_an_error(charlie):
    with pytest.raises(ExportError):
        export_batch(
            actor=Actor.for_user(charlie), selection=Selection(layout="dongguan", format="pdf")
        )


def test_unknown_layout_is_refused():
    with pytest.raises(ExportError):
        Selection(layout="beijing", format="pdf")
