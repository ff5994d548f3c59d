"""Import with preview and batch export in a real browser, at desktop and phone width: an
administrator uploads last year's sheet, reads the preview and confirms; a finance reviewer
downloads the forms as one workbook. Screenshots go to $SCREENSHOTS (docs/ with
SCREENSHOTS=docs), else pytest's temporary directory."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from projects.models import PerformanceForm
from tests.factories import default_framework
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED
from tests.test_browser_filing import both_widths, shots  # noqa: F401 (a fixture)
from tests.test_browser_review import sign_in_as

pytestmark = pytest.mark.browser


def test_an_administrator_imports_with_a_preview(page, live_server, adam, shots) -> None:  # noqa: F811
    default_framework()
    sign_in_as(page, live_server, "adam")
    page.click("nav >> text=导入")
    page.set_input_files("#id_files", str(DONGGUAN_SEED))
    page.fill("input[name=year]", "2023")
    both_widths(page, shots, "import_upload")
    page.click("text=检查并预览")
    page.wait_for_url("**/import/preview/**")
    preview = page.inner_text("main")
    assert "共找到 14 张表：新建 14 张" in preview
    assert "东莞市财政局网站适老化改造项目" in preview
    assert PerformanceForm.objects.count() == 0  # nothing written before the confirmation
    both_widths(page, shots, "import_preview")
    page.click("text=确认导入 14 张表")
    page.wait_for_url(f"{live_server.url}/forms/")
    assert "导入完成：新建 14 张" in page.inner_text("main")
    assert PerformanceForm.objects.count() == 14


def test_a_reviewer_exports_a_batch_as_one_workbook(
    page,
    live_server,
    adam,
    fiona,
    shots,  # noqa: F811
) -> None:
    default_framework()
    from projects.services.importing import import_files

    import_files(paths=[DONGGUAN_SEED, GUANGZHOU_SEED], year=2023)
    sign_in_as(page, live_server, "fiona")
    page.click("nav >> text=批量导出")
    page.select_option("select[name=layout]", "dongguan")
    page.select_option("select[name=format]", "xlsx")
    both_widths(page, shots, "export_page")
    page.click("main button[type=submit]:has-text('导出')")  # 36 forms: a background job
    page.wait_for_url("**/export/jobs/**")
    assert "已完成" in page.inner_text("main")
    both_widths(page, shots, "export_job")
    with page.expect_download() as download_info:
        page.click("main a:has-text('下载')")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(download.path().read_bytes()))
    text = " ".join(
        str(cell.value) for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
    )
    assert "东莞市财政局网站适老化改造项目" in text


def test_a_big_upload_with_errors_comes_in_through_the_worker_as_drafts(
    page,
    live_server,
    adam,
    shots,  # noqa: F811
    settings,
    tmp_path,
) -> None:
    """A sheet over the background threshold is read by the worker; of its forms with errors,
    the one that can becomes a 待修正 draft, which its filer then sees in the editor."""
    from projects.models import Membership
    from tests.factories import UserFactory
    from tests.test_import_drafts import FIRST, dirty_seed

    settings.IMPORT_BACKGROUND_BYTES = 1000
    default_framework()
    sheet = tmp_path / "东莞（有错误）.txt"
    sheet.write_text(dirty_seed(), encoding="utf-8")
    sign_in_as(page, live_server, "adam")
    page.click("nav >> text=导入")
    page.set_input_files("#id_files", str(sheet))
    page.fill("input[name=year]", "2023")
    page.click("text=检查并预览")
    page.wait_for_url("**/import/preview/**")
    preview = page.inner_text("main")
    assert "共找到 14 张表" in preview and "可作为“待修正”草稿导入" in preview
    both_widths(page, shots, "import_preview_drafts")
    page.click("text=另 1 张有错误的作为“待修正”草稿导入")
    page.wait_for_url(f"{live_server.url}/forms/")
    assert "已作为“待修正”草稿导入" in page.inner_text("main")
    draft = PerformanceForm.objects.select_related("project__unit").get(project__name=FIRST)
    filer = UserFactory(username="fei")
    Membership.objects.create(user=filer, organization=draft.project.unit, role="filer")
    page.context.clear_cookies()
    sign_in_as(page, live_server, "fei")
    page.goto(f"{live_server.url}/forms/{draft.pk}/edit/")
    assert "导入时未能识别的内容" in page.inner_text("main")
    both_widths(page, shots, "filing_leftover")
    page.click("text=已全部补入，清除此提示")
    page.wait_for_url(f"**/forms/{draft.pk}/edit/")
    assert "已清除“待修正”提示" in page.inner_text("main")
