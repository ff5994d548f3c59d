"""Hostile files (tests/hostile_files.py) read through the importer's public entry, ``read_sources``:
each gets a clear Chinese problem naming the file, sheet or cell (no exception escapes, no
English), or imports as it should despite the attack.

No timed assertions: every read runs in a forked child with a time limit (TIMEOUT) and an
address-space cap (MEMORY), so a hang or a memory bomb fails the test instead of slowing the
suite or the machine. The child's CPU time is recorded as a test property and printed (run with
``-rP`` to see it), never asserted.
"""

from __future__ import annotations

import multiprocessing
import re
import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import Workbook

from indicators.models import Framework
from projects.layouts import framework_categories
from projects.layouts.normalize import clean_text, strip_markup
from projects.services.importing import read_sources
from tests import hostile_files as hostile
from tests.import_helpers import DONGGUAN_SEED, Dirt, workbook_bytes, write_dongguan

pytestmark = pytest.mark.django_db

TIMEOUT = 20  # seconds for one read, however hostile the file
MEMORY = 1536 * 1024 * 1024  # bytes of address space for the reading process
ENGLISH = re.compile(
    r"\b(error|exception|traceback|failed|invalid|cannot|unable|unexpected|unsupported)\b",
    re.IGNORECASE,
)


@dataclass
class Outcome:
    errors: list[tuple[str, str]]  # (where, message) of the file's errors
    warnings: list[tuple[str, str]]  # of the file and of its forms
    forms: list[Any]  # FormContent of each form found
    cpu_seconds: float


def _bounded_child(connection: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        result: Any = ("ok", function(*args))
    except BaseException as error:  # reported to the parent, which fails the test
        result = ("raised", f"{type(error).__name__}: {error}"[:2000])
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    connection.send((*result, cpu))
    connection.close()


def run_bounded(function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``function(*args)`` in a forked child (it shares the test database) with TIMEOUT and
    MEMORY; its result and CPU seconds. Fails the test on a hang, a crash or an exception."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_bounded_child, args=(sender, function, args))
    child.start()
    sender.close()
    try:
        if not receiver.poll(TIMEOUT):
            child.kill()
            child.join()
            pytest.fail(f"did not finish within {TIMEOUT} s")
        status, value, cpu = receiver.recv()
    except EOFError:
        child.join()
        pytest.fail(f"the reading process died (exit code {child.exitcode}): a memory bomb?")
    finally:
        receiver.close()
    child.join(TIMEOUT)
    if status != "ok":
        pytest.fail(f"an exception escaped: {value}")
    return value, cpu


def _read(name: str, data: bytes) -> Outcome:
    plan = read_sources(uploads=[(name, data)], year=2023)
    problems = list(plan.problems) + [p for form in plan.forms for p in form.problems]
    return Outcome(
        errors=[(p.where, p.message) for p in problems if p.is_error],
        warnings=[(p.where, p.message) for p in problems if not p.is_error],
        forms=[form.data for form in plan.forms],
        cpu_seconds=0.0,
    )


def read(file: tuple[str, bytes], record_property: Callable[[str, object], None]) -> Outcome:
    name, data = file
    outcome, cpu = run_bounded(_read, name, data)
    outcome.cpu_seconds = cpu
    record_property("cpu_seconds", round(cpu, 3))
    print(f"{name}: {len(data):,} bytes, read in {cpu:.2f} s of CPU")
    for where, message in outcome.errors + outcome.warnings:
        assert re.search(r"[\u4e00-\u9fff]", message), message
        assert not ENGLISH.search(message), message
        assert where.startswith(name), where
    return outcome


def refusal(outcome: Outcome, name: str) -> str:
    """The file's one error (it names the file); nothing was read from it."""
    assert outcome.forms == []
    assert len(outcome.errors) == 1, outcome.errors
    where, message = outcome.errors[0]
    assert where == name
    return message


@pytest.fixture
def form_workbook() -> bytes:
    """One 东莞 form, as the import tests write it."""
    plan = read_sources(paths=[DONGGUAN_SEED])
    framework = Framework.objects.get(is_default=True)
    categories = [(c.level1, c.level2) for c in framework_categories(framework.pk)]
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "项目表"
    write_dongguan(ws, 1, plan.forms[0].data, Dirt(), categories)
    return workbook_bytes(workbook)


# --------------------------------------------------------------------------- size and shape


def test_a_cell_at_the_end_of_the_grid_is_refused_naming_sheet_and_area(record_property):
    message = refusal(read(hostile.far_cell(), record_property), "远处的单元格.xlsx")
    assert "“表1”" in message and "A1:XFD1048576" in message and "超过上限" in message


def test_a_far_formula_without_a_value_is_refused_too(record_property):
    message = refusal(read(hostile.far_formula_without_value(), record_property), "远处的公式.xlsx")
    assert "A1:XFD1048576" in message


def test_a_sheet_of_three_million_cells_is_refused(record_property):
    message = refusal(read(hostile.wide_and_tall(), record_property), "宽而高.xlsx")
    assert "A1:ALL3000" in message and "3,000,000" in message and "2,000,000" in message


@pytest.mark.parametrize("how", ["after", "quotes", "prefixed", "newline"])
def test_a_far_cell_written_unusually_is_still_refused_naming_sheet_and_area(how, record_property):
    name, data = hostile.far_cell_written(how)
    message = refusal(read((name, data), record_property), name)
    assert "“表1”" in message and "A1:XFD1048576" in message and "超过上限" in message


def test_a_far_cell_hidden_behind_a_second_reference_is_refused(record_property):
    """XML allows an attribute once (the parser refuses the file as damaged); calamine would
    take the second reference and ask for 17 billion cells."""
    name, data = hostile.far_cell_written("second")
    assert "损坏" in refusal(read((name, data), record_property), name)


def test_cells_without_a_reference_are_counted_where_calamine_puts_them(record_property):
    name, data = hostile.cells_without_reference()
    message = refusal(read((name, data), record_property), name)
    # refused as soon as the area passes the limit: at column YQ of row 3,000
    assert "“表1”的数据区域 A1:YQ3000" in message and "超过上限 2,000,000 个" in message


def test_a_far_cell_in_a_utf16_sheet_is_refused(record_property):
    message = refusal(read(hostile.far_cell_in_utf16(), record_property), "UTF16工作表.xlsx")
    assert "A1:XFD1048576" in message and "超过上限" in message


def test_a_merge_to_the_end_of_the_grid_is_clipped_and_the_form_reads(
    form_workbook, record_property
):
    outcome = read(hostile.merge_bomb(form_workbook), record_property)
    assert outcome.errors == [] and len(outcome.forms) == 1


def test_a_dimension_claiming_the_whole_grid_changes_nothing(form_workbook, record_property):
    outcome = read(hostile.huge_dimension(form_workbook), record_property)
    assert outcome.errors == [] and len(outcome.forms) == 1


def test_more_than_a_hundred_thousand_merges_are_refused(record_property):
    message = refusal(read(hostile.many_merges(), record_property), "合并过多.xlsx")
    assert "合并单元格超过 100,000 个" in message


def test_five_thousand_sheets_are_refused(record_property):
    message = refusal(read(hostile.many_sheets(), record_property), "五千个工作表.xlsx")
    assert message.startswith("工作簿有 5,000 个工作表，超过上限 200 个")


def test_a_cell_longer_than_excel_allows_is_refused_naming_the_cell(record_property):
    message = refusal(read(hostile.long_cell(), record_property), "超长单元格.xlsx")
    assert "“表1”的单元格 B2 有 40,000 个字符" in message and "32,767" in message


def test_a_megabyte_cell_of_unclosed_comments_is_refused_by_its_length(record_property):
    message = refusal(read(hostile.megabyte_comment_cell(), record_property), "注释单元格.xlsx")
    assert "单元格 B2 有 1,048,576 个字符" in message


# --------------------------------------------------------------------------- XML attacks


@pytest.mark.parametrize(
    "build",
    [
        hostile.billion_laughs_shared_strings,
        hostile.billion_laughs_in_sheet,
        hostile.external_entity,
    ],
)
def test_a_doctype_anywhere_is_refused_before_it_is_parsed(build, record_property):
    name, data = build()
    message = refusal(read((name, data), record_property), name)
    assert "DOCTYPE" in message and "实体" in message


# --------------------------------------------------------------------------- broken containers


def test_a_truncated_zip_is_refused(record_property):
    assert "损坏" in refusal(read(hostile.truncated_zip(), record_property), "截断.xlsx")


def test_a_zip_bomb_member_is_refused(record_property):
    name, data = hostile.zip_bomb_member()
    assert len(data) < 200_000
    assert "压缩炸弹" in refusal(read((name, data), record_property), name)


def test_a_damaged_xls_is_refused_naming_the_format(record_property):
    message = refusal(read(hostile.garbage_cfb(), record_property), "旧版.xls")
    assert ".xls" in message and "损坏" in message


def test_an_xls_cell_outside_the_grid_is_refused_before_calamine_opens_it(record_property):
    message = refusal(read(hostile.xls_far_cell(), record_property), "远处的单元格.xls")
    assert "工作表范围之外" in message


def test_an_xls_sheet_spanning_the_whole_grid_is_refused_before_calamine_opens_it(
    record_property,
):
    message = refusal(read(hostile.xls_sheet_full_of_cells(), record_property), "满表.xls")
    assert "IV65536" in message and "超过上限" in message


def test_an_xls_declaring_billions_of_rows_is_refused_before_calamine_opens_it(record_property):
    message = refusal(read(hostile.xls_forged_dimensions(), record_property), "伪造尺寸.xls")
    assert "声明的数据区域" in message and "超过上限" in message


def test_repeated_ods_cells_are_refused_before_calamine_opens_them(record_property):
    message = refusal(read(hostile.ods_repeated_cells(), record_property), "重复单元格.ods")
    assert "超过上限" in message


# --------------------------------------------------------------------------- text in cells


def test_control_characters_in_a_workbook_are_removed_with_a_warning_naming_the_cell(
    form_workbook, record_property
):
    outcome = read(hostile.nul_cells_workbook(form_workbook), record_property)
    assert outcome.errors == [] and len(outcome.forms) == 1
    warned = [where for where, message in outcome.warnings if "控制字符" in message]
    assert warned == ["空字符.xlsx › 项目表 › A3", "空字符.xlsx › 项目表 › A4"]
    assert (
        outcome.forms[0].project.name
        == "东莞市财政局信息中心财政业务系统支撑软件和硬件运维服务项目"
    )


def test_a_formula_saved_without_its_value_is_named_in_a_warning(form_workbook, record_property):
    outcome = read(hostile.formula_without_value(form_workbook), record_property)
    assert len(outcome.forms) == 1 and "annual" not in outcome.forms[0].amounts
    warned = [where for where, message in outcome.warnings if "没有保存计算结果" in message]
    assert warned == ["公式.xlsx › 项目表 › C9"]


def test_control_characters_in_text_are_removed_with_a_warning_naming_the_cell(record_property):
    outcome = read(hostile.nul_cells_text(), record_property)
    assert outcome.errors == [] and len(outcome.forms) == 14
    warned = [where for where, message in outcome.warnings if "控制字符" in message]
    assert warned == ["空字符.txt › A5", "空字符.txt › A6"]


def test_utf16_text_without_a_bom_is_read(record_property):
    outcome = read(hostile.utf16_without_bom(), record_property)
    assert outcome.errors == [] and len(outcome.forms) == 14


def test_broken_utf16_text_without_a_bom_is_refused(record_property):
    message = refusal(read(hostile.utf16_broken(), record_property), "东莞.txt")
    assert "UTF-16" in message and "UTF-8" in message


@pytest.mark.parametrize("opener", ["<!--", "<script>", "<"])
def test_a_megabyte_of_unclosed_markup_in_text_is_read(opener, record_property):
    outcome = read(hostile.megabyte_markup_text(opener), record_property)
    assert len(outcome.forms) == 14
    goal = outcome.forms[0].goals["period"]
    assert goal.startswith("目标正文")
    if opener == "<":  # a megabyte of "<" is text, too long for a goal
        assert [where for where, _message in outcome.errors] == ["标记.txt › C13"]
    else:
        assert outcome.errors == [] and goal == "目标正文"


def test_script_tags_hidden_in_script_tags_keep_the_text_around_them(record_property):
    outcome = read(hostile.nested_script_text(), record_property)
    assert outcome.forms[0].goals["period"].startswith("前通过建立集中运维外包体系")


# --------------------------------------------------------------------------- markup, directly


def test_nested_and_unclosed_markup_is_stripped_without_losing_text():
    assert strip_markup("前<scr<scr<script>ipt>ipt>后") == "前后"
    assert strip_markup("前<script>alert(1)</script>后") == "前后"
    assert strip_markup("前<SCRIPT type='x'>a</script >后") == "前后"
    assert strip_markup("前<!-- 注释 -->后") == "前后"
    assert strip_markup("前<!-- 没有结束") == "前"
    assert strip_markup("前<script>没有结束") == "前没有结束"
    assert strip_markup("a < b，c<d") == "a < b，c<d"
    assert strip_markup("&lt;b&gt;粗&lt;/b&gt;") == "粗"
    assert clean_text("<p>一</p><p>二</p>") == "一\n二"


@pytest.mark.parametrize("unit", ["<!--", "<script>", "<", "<a", "<style x", "<!-", "&lt;"])
def test_a_megabyte_of_one_opener_is_cleaned_in_bounded_time(unit):
    text = unit * (hostile.MEGABYTE // len(unit))
    cleaned, cpu = run_bounded(clean_text, text)
    print(f"clean_text({unit!r} × {len(text) // len(unit):,}): {cpu:.2f} s of CPU")
    assert len(cleaned) <= len(text)
