"""The machine-readable export (export_forms --format json) and its way back in
(import_sheets FILE.json): ids, uids, versions and history out; back in unchanged."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from projects.content import from_json, load_content, to_json
from projects.models import FormEvent, Indicator, PerformanceForm, Project
from projects.services.importing import import_files
from tests.import_helpers import DONGGUAN_SEED, GUANGZHOU_SEED, SHENZHEN_SEED

pytestmark = pytest.mark.django_db
SEEDS = [DONGGUAN_SEED, SHENZHEN_SEED, GUANGZHOU_SEED]


def export(tmp_path: Path, *args: str) -> dict:
    path = tmp_path / "forms.json"
    call_command("export_forms", "--format", "json", *args, "-o", str(path), stdout=StringIO())
    return json.loads(path.read_text(encoding="utf-8"))


def import_json(path: Path, *args: str) -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("import_sheets", "--json", *args, str(path), stdout=out, stderr=StringIO())
        status = 0
    except SystemExit as exit:
        status = int(exit.code or 0)
    return status, json.loads(out.getvalue())


def test_every_seed_content_survives_json_both_ways() -> None:
    import_files(paths=SEEDS, year=2023)
    for form in PerformanceForm.objects.with_content():
        content = load_content(form)
        assert from_json(json.loads(json.dumps(to_json(content)))) == content


def test_the_export_names_ids_uids_versions_and_history(tmp_path: Path) -> None:
    import_files(paths=SEEDS, year=2023)
    document = export(tmp_path, "--year", "2023")
    assert document["schema"] == "perfgoals.forms/1"
    assert len(document["forms"]) == 42
    first = document["forms"][0]
    form = PerformanceForm.objects.get(pk=first["id"])
    assert (first["version"], first["status"]) == (1, "draft")
    assert [i["uid"] for i in first["indicators"]] == [
        str(uid) for uid in form.indicators.values_list("uid", flat=True)
    ]
    [event] = first["events"]
    assert (event["kind"], event["source"], event["actor"], event["version"]) == (
        "import",
        "command",
        None,
        1,
    )
    assert "snapshot" not in event
    with_snapshots = export(tmp_path, "--with-snapshots")
    assert with_snapshots["forms"][0]["events"][0]["snapshot"]["indicators"] == first["indicators"]


def test_the_exported_json_imports_back_unchanged(tmp_path: Path) -> None:
    import_files(paths=SEEDS, year=2023)
    export(tmp_path)
    events = FormEvent.objects.count()
    status, result = import_json(tmp_path / "forms.json")
    assert status == 0
    assert [f["action"] for f in result["forms"]] == ["unchanged"] * 42
    assert result["summary"]["committed"] is True
    assert FormEvent.objects.count() == events
    ids = set(PerformanceForm.objects.values_list("pk", flat=True))
    assert {f["id"] for f in result["forms"]} == ids
    uids = {str(u) for u in Indicator.objects.values_list("uid", flat=True)}
    assert {i["uid"] for f in result["forms"] for i in f["indicators"]} == uids


def test_the_json_recreates_every_form_in_an_empty_database(tmp_path: Path) -> None:
    import_files(paths=SEEDS, year=2023)
    before = export(tmp_path)["forms"]
    PerformanceForm.objects.all().delete()
    Project.objects.all().delete()

    status, result = import_json(tmp_path / "forms.json")

    assert status == 0
    assert [f["action"] for f in result["forms"]] == ["create"] * 42
    assert all(f["id"] and all(i["uid"] for i in f["indicators"]) for f in result["forms"])
    after = export(tmp_path)["forms"]

    def comparable(form: dict) -> dict:
        kept = {k: v for k, v in form.items() if k not in ("id", "events")}
        kept["indicators"] = [
            {k: v for k, v in i.items() if k != "uid"} for i in kept["indicators"]
        ]
        return kept

    assert [comparable(f) for f in after] == [comparable(f) for f in before]


def test_a_changed_json_form_updates_in_place(tmp_path: Path) -> None:
    import_files(paths=[DONGGUAN_SEED])
    document = export(tmp_path)
    target = document["forms"][0]
    target["indicators"][0]["annual_value"] = "2个"
    target["goals"]["annual"] = "新的年度目标"
    (tmp_path / "forms.json").write_text(json.dumps(document, ensure_ascii=False))

    status, result = import_json(tmp_path / "forms.json")

    assert status == 0
    assert [f["action"] for f in result["forms"]].count("update") == 1
    form = PerformanceForm.objects.get(pk=target["id"])
    assert (form.version, form.annual_goal) == (2, "新的年度目标")
    row = Indicator.objects.get(uid=target["indicators"][0]["uid"])
    assert (row.form_id, row.annual_value) == (form.pk, "2个")


def test_a_broken_json_file_is_refused_with_the_place(tmp_path: Path) -> None:
    path = tmp_path / "坏.json"
    path.write_text(
        '{"forms": [{"project": {"name": "甲"}, "fiscal_year": 2023,'
        ' "indicators": [{"name": "无类别"}]}]}',
        encoding="utf-8",
    )
    status, result = import_json(path)
    assert status == 1
    [problem] = result["summary"]["problems"]
    assert problem["where"] == "坏.json › 第 1 张表"
    assert "缺少一级指标" in problem["message"]
    path.write_text("{不是 JSON", encoding="utf-8")
    status, result = import_json(path)
    assert status == 1
    assert "不是有效的 JSON 文件" in result["summary"]["problems"][0]["message"]
    assert PerformanceForm.objects.count() == 0


def test_pdf_and_xlsx_still_need_a_layout(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--layout"):
        call_command("export_forms", "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
