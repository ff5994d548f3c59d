"""Choosing and rendering batches of forms (projects.exporting.batch)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from projects.exporting import ExportError
from projects.exporting.batch import Selection, export_batch, select_forms
from projects.models import Organization, Project
from projects.permissions import Actor
from tests.export_helpers import (
    department,
    make_dongguan_form,
    make_form,
    make_guangzhou_forms,
    make_long_form,
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
    # 3. the framework's categories, with their parents (``CategoryLookup``, once)
    actor = Actor.for_user(bob)  # the request's actor, loaded before the export
    with django_assert_num_queries(3):
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


def test_pdf_batch_starts_each_form_on_a_new_page_numbered_within_it(tmp_path, fiona, unit_a):
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
    assert "第1页,共1页" in pages[0] and "第1页,共1页" in pages[1]


def page_forms(path, names: list[str]) -> list[tuple[str, int, int]]:
    """For each page: the project it prints (by its name) and its page number and count."""
    found = []
    for text in pdf_pages(path):
        page = normalize(text)
        name = next((name for name in names if normalize(name) in page), "?")
        number, count = map(int, re.search(r"第(\d+)页,共(\d+)页", page).groups())
        found.append((name, number, count))
    return found


def test_a_pdf_batch_of_many_forms_numbers_each_form_and_keeps_the_order(
    tmp_path, fiona, unit_a, settings
):
    settings.EXPORT_PDF_CHUNK_FORMS = 4  # several chunks, concatenated
    more_forms(23, unit_a)
    long_form = make_long_form()  # several pages, its own department
    make_dongguan_form(unit_name=unit_a.name)
    selection = Selection(layout="dongguan", format="pdf")
    forms = list(select_forms(actor=Actor.for_user(fiona), selection=selection))
    names = sorted((form.project.name for form in forms), key=len, reverse=True)

    rendered = export_batch(actor=Actor.for_user(fiona), selection=selection)
    path = tmp_path / rendered.filename
    path.write_bytes(rendered.content)

    pages = page_forms(path, names)
    printed = [name for name, number, _count in pages if number == 1]
    assert len(forms) == 25
    assert printed == [form.project.name for form in forms]  # each once, in order
    for name, number, count in pages:
        if name == long_form.project.name:
            assert count > 1 and 1 <= number <= count
        else:
            assert (number, count) == (1, 1), name
    long_pages = [number for name, number, _count in pages if name == long_form.project.name]
    assert long_pages == list(range(1, len(long_pages) + 1))
    # one bookmark a form, on its first page
    reader = PdfReader(path)
    assert [item.title for item in reader.outline] == printed
    firsts = [i for i, (_name, number, _count) in enumerate(pages) if number == 1]
    assert [reader.get_destination_page_number(item) for item in reader.outline] == firsts


def test_the_process_pool_prints_what_one_process_prints(tmp_path, fiona, unit_a, settings):
    settings.EXPORT_PDF_CHUNK_FORMS = 2
    more_forms(4, unit_a)
    make_dongguan_form(unit_name=unit_a.name)
    selection = Selection(layout="dongguan", format="pdf")
    actor = Actor.for_user(fiona)

    texts = []
    for workers in (1, 2):
        rendered = export_batch(actor=actor, selection=selection, workers=workers)
        path = tmp_path / f"{workers}.pdf"
        path.write_bytes(rendered.content)
        texts.append(pdf_pages(path))

    assert len(texts[0]) == 5
    assert texts[0] == texts[1]


def test_pdf_batch_loads_its_forms_in_a_fixed_number_of_queries(
    fiona, unit_a, settings, django_assert_num_queries
):
    settings.EXPORT_PDF_CHUNK_FORMS = 2
    make_dongguan_form(unit_name=unit_a.name)
    more_forms(3, unit_a)
    actor = Actor.for_user(fiona)

    # 1. the ids of the forms, in print order
    # 2. the forms (a slice of LOAD_SLICE) with project, department, unit and framework
    # 3. their indicators with categories (prefetch)
    # 4. the framework's categories, with their parents (``CategoryLookup``, once)
    with django_assert_num_queries(4):
        export_batch(actor=actor, selection=Selection(layout="dongguan", format="pdf"))


def test_the_sqlite_pinyin_order_reads_pypinyins_own_table():
    """SQLite's zh_pinyin collation reads pypinyin's table of characters from its data file
    (without the package's phrase dictionary): the same readings as the package gives."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    from pypinyin.constants import PINYIN_DICT

    from projects.models.fields import _readings, pinyin_key

    spec = importlib.util.find_spec("pypinyin")
    assert spec and spec.submodule_search_locations
    assert (Path(spec.submodule_search_locations[0]) / "pinyin_dict.json").is_file()
    assert _readings() == dict(PINYIN_DICT)
    # in a fresh process, the readings come without importing pypinyin (nor its phrases)
    code = (
        "import sys, django; django.setup(); from projects.models.fields import _readings; "
        "n = len(_readings()); "
        "print(n, 'pypinyin' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "perfgoals.settings"},
    ).stdout.split()
    assert shown == [str(len(PINYIN_DICT)), "False"]
    assert sorted(["重庆", "北京", "安徽"], key=pinyin_key) == ["安徽", "北京", "重庆"]


def test_forms_are_ordered_by_department_unit_and_project_in_pinyin(fiona):
    # 安徽 (an), 北京 (bei), 重庆 (chong): code points order them 北 < 安 < 重
    for dept_name in ("重庆", "北京", "安徽"):
        dept = department(f"{dept_name}财政厅")
        for unit_name in ("重庆", "北京", "安徽"):
            make_form(
                project=Project.objects.create(
                    name=f"{unit_name}项目", department=dept, unit=unit(f"{unit_name}中心", dept)
                )
            )

    forms = select_forms(
        actor=Actor.for_user(fiona), selection=Selection(layout="dongguan", format="pdf")
    )

    order = [(f.project.department.name[:2], f.project.unit.name[:2]) for f in forms]
    names = ["安徽", "北京", "重庆"]  # ICU's collation on PostgreSQL, zh_pinyin on SQLite
    assert order == [(dept, unit_name) for dept in names for unit_name in names]


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

    # (in pinyin order on PostgreSQL, 带 before 同; by code point on SQLite, 同 before 带)
    assert sorted(titles) == sorted(["同名项目", "同名项目(2)", "带_斜杠_冒号_星号_问号_方括号_"])
    assert titles.index("同名项目") < titles.index("同名项目(2)")


def test_nothing_to_export_is_an_error(charlie):
    with pytest.raises(ExportError):
        export_batch(
            actor=Actor.for_user(charlie), selection=Selection(layout="dongguan", format="pdf")
        )


def test_unknown_layout_is_refused():
    with pytest.raises(ExportError):
        Selection(layout="beijing", format="pdf")
