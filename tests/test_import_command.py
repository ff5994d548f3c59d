"""manage.py import_sheets: the JSON it prints, its exit status and --dry-run."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from projects.models import PerformanceForm
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_sheets", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, out.getvalue(), err.getvalue()


def test_json_lists_every_form_with_the_agreed_keys() -> None:
    status, out, _err = run(
        "--json", "--dry-run", "--year", "2023", str(SHENZHEN_SEED), str(GUANGZHOU_SEED)
    )
    assert status == 0
    result = json.loads(out)
    assert set(result) == {"forms", "summary"}
    assert len(result["forms"]) == 28
    first = result["forms"][0]
    assert set(first) >= {
        "source",
        "layout",
        "project",
        "fiscal_year",
        "amounts",
        "goals",
        "details",
        "indicators",
        "action",
        "problems",
    }
    assert first["source"] == {"file": "shenzhen_futian_2023.txt", "sheet": "", "rows": [3, 31]}
    assert first["layout"] == "shenzhen"
    assert set(first["project"]) >= {
        "name",
        "code",
        "department",
        "unit",
        "type",
        "level",
        "start_year",
        "end_year",
    }
    assert first["project"]["code"] == "440304231060100505005"
    assert first["fiscal_year"] == 2023
    assert first["amounts"] == {"total": "7567200.00", "annual": "2522400.00"}
    assert set(first["goals"]) == {"annual", "period"}
    assert first["details"]["is_new"] is False
    assert first["details"]["allocation_method"] == "项目法"
    assert set(first["indicators"][0]) == {
        "level1",
        "level2",
        "name",
        "period_value",
        "annual_value",
        "value",
        "explanation",
        "core",
        "not_applicable",
    }
    assert first["indicators"][0]["core"] is True
    assert first["action"] == "create"
    assert first["problems"][0] == {
        "severity": "warning",
        "where": "shenzhen_futian_2023.txt › B9",
        "message": first["problems"][0]["message"],
    }
    guangzhou = result["forms"][6]
    assert guangzhou["layout"] == "guangzhou"
    assert guangzhou["amounts"] == {"annual": "30000000.00", "fiscal": "30000000.00"}
    assert set(guangzhou["goals"]) == {"annual"}
    assert result["summary"]["forms"] == 28 and result["summary"]["create"] == 28
    assert result["summary"]["committed"] is False
    assert PerformanceForm.objects.count() == 0


def test_it_imports_and_a_second_run_leaves_everything_unchanged() -> None:
    status, out, _err = run(str(DONGGUAN_SEED))
    assert status == 0
    assert "新建 14" in out
    assert PerformanceForm.objects.count() == 14
    status, out, _err = run("--json", str(DONGGUAN_SEED))
    assert status == 0
    assert {form["action"] for form in json.loads(out)["forms"]} == {"unchanged"}


def test_an_error_exits_with_one_and_writes_nothing() -> None:
    status, out, _err = run("--json", str(DONGGUAN_SEED), str(SHENZHEN_SEED))  # no --year
    assert status == 1
    result = json.loads(out)
    assert result["summary"]["errors"] == 6
    assert PerformanceForm.objects.count() == 0
    status, _out, err = run(str(SHENZHEN_SEED))
    assert status == 1 and "未写入" in err


def test_a_bad_file_exits_with_one_and_names_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    status, out, _err = run("--json", str(bad))
    assert status == 1
    problem = json.loads(out)["summary"]["problems"][0]
    assert problem["where"] == "坏.xlsx" and problem["severity"] == "error"


def test_a_missing_path_is_a_command_error() -> None:
    with pytest.raises(CommandError):
        call_command("import_sheets", "/nonexistent/x.xlsx")


def test_an_update_is_described_field_by_field_in_chinese(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run("--year", "2023", str(DONGGUAN_SEED))
    changed = tmp_path / "东莞.txt"
    text = DONGGUAN_SEED.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("其他运转类（信息化运维类）", "专项业务类", 1), encoding="utf-8"
    )
    status, out, _err = run("--dry-run", "--year", "2023", str(changed))
    assert status == 0
    assert "项目类型：其他运转类（信息化运维类） → 专项业务类" in out
    assert "project_type" not in out and "project.type" not in out
