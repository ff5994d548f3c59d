"""Export benchmarks (run by hand or with ``make bench``; prints figures, asserts nothing).

    .venv/bin/python bench/bench_export.py [--forms 1000]

Builds a throwaway SQLite database in a temporary directory (migrations, then seed-like 东莞
forms with nine indicators each), then runs each case in a fresh process so that its peak memory
(``resource.getrusage(...).ru_maxrss``) is its own:

* one form's PDF (target ≤ 0.5 s; first call and warm),
* 200 forms in one PDF (target ≤ 30 s, peak memory ≤ 700 MB),
* 1,000 forms in one xlsx, stacked in one sheet (target ≤ 10 s),
* 1,000 forms in one xlsx, one sheet each (for comparison).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = (
    "通过建立集中运维外包体系，进一步完善财政业务系统的管理体系，提高系统全生命周期管理和服务水平，"
    "提供面向客户的高质量低成本的IT运维服务，进而提升财政工作效率。"
)
INDICATORS = [
    ("产出指标", "数量指标", "维护项目数量", "1个", "1个"),
    ("产出指标", "数量指标", "巡检次数", "不少于6次", "不少于6次"),
    ("产出指标", "质量指标", "项目维护质量", "良好", "良好"),
    ("产出指标", "时效指标", "服务时限", "1年", "1年"),
    ("产出指标", "成本指标", "项目维护费", "年均≤69.9万元", "≤69.9万元"),
    ("效益指标", "经济效益指标", "财税库联网", "正常运行", "正常运行"),
    ("效益指标", "社会效益指标", "工作实施效果", "良好", "良好"),
    ("效益指标", "可持续影响指标", "系统持续稳定运行", "≥3年", "≥1年"),
    ("满意度指标", "服务对象满意度指标", "委托方的满意度", "年均≥90%", "≥90%"),
]


def setup_django(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "perfgoals.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(database: Path, forms: int) -> None:
    setup_django(database)
    from django.core.management import call_command

    from indicators.models import Category, Framework
    from projects.models import Indicator, Organization, PerformanceForm, Project

    call_command("migrate", verbosity=0)
    framework = Framework.objects.get(code="local-2023")
    categories = {
        (c.parent.name, c.name): c
        for c in Category.objects.filter(framework=framework, level=2).select_related("parent")
    }
    department = Organization.objects.create(name="基准测试局", kind="department")
    units = [
        Organization.objects.create(name=f"基准测试单位{n}", kind="unit", parent=department)
        for n in range(20)
    ]
    projects = Project.objects.bulk_create(
        Project(
            name=f"基准测试项目{n}：财政业务系统支撑软件和硬件运维服务",
            department=department,
            unit=units[n % len(units)],
        )
        for n in range(forms)
    )
    rows = PerformanceForm.objects.bulk_create(
        PerformanceForm(
            project=project,
            fiscal_year=2023,
            framework=framework,
            project_type="其他运转类（信息化运维类）",
            level="二级项目",
            start_year=2021,
            end_year=2024,
            annual_amount=Decimal(699000 + n),
            period_goal=GOAL,
            annual_goal=GOAL,
        )
        for n, project in enumerate(projects)
    )
    indicators = []
    for form in rows:
        for order, (one, two, name, period, annual) in enumerate(INDICATORS):
            indicator = Indicator(
                form=form,
                category=categories[(one, two)],
                name=name,
                period_value=period,
                annual_value=annual,
                order=order,
            )
            indicator.set_parsed()
            indicators.append(indicator)
    Indicator.objects.bulk_create(indicators, batch_size=2000)


def run_case(database: Path, case: str) -> None:
    setup_django(database)
    from projects.exporting.batch import Selection, export_batch, export_form
    from projects.models import PerformanceForm

    ids = list(PerformanceForm.objects.order_by("id").values_list("id", flat=True))
    if case == "one-pdf":
        form = PerformanceForm.objects.get(pk=ids[0])
        started = time.perf_counter()
        export_form(form=form, fmt="pdf")
        cold = time.perf_counter() - started
        times = []
        for pk in ids[1:6]:
            started = time.perf_counter()
            rendered = export_form(form=PerformanceForm.objects.get(pk=pk), fmt="pdf")
            times.append(time.perf_counter() - started)
        warm = sorted(times)[len(times) // 2]
        print(
            f"one form PDF: first {cold:.2f} s, then median {warm:.3f} s "
            f"({len(rendered.content):,} bytes)  [target ≤ 0.5 s]"
        )
        return
    fmt, count, stacked = {
        "200-pdf": ("pdf", 200, False),
        "1000-xlsx-stacked": ("xlsx", 1000, True),
        "1000-xlsx-sheets": ("xlsx", 1000, False),
    }[case]
    selection = Selection(
        layout="dongguan", format=fmt, form_ids=tuple(ids[:count]), stacked=stacked
    )
    started = time.perf_counter()
    rendered = export_batch(actor=None, selection=selection)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    target = {"200-pdf": "≤ 30 s, ≤ 700 MB", "1000-xlsx-stacked": "≤ 10 s"}.get(case, "-")
    print(
        f"{case}: {min(count, len(ids))} forms in {elapsed:.2f} s, peak memory {peak_mb:.0f} MB, "
        f"{len(rendered.content):,} bytes  [target {target}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--case")
    parser.add_argument("--database", type=Path)
    args = parser.parse_args()
    if args.case:
        run_case(args.database, args.case)
        return
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        database = Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        build_in_child(database, args.forms)
        print(f"built {args.forms} forms in {time.perf_counter() - started:.1f} s")
        for case in ("one-pdf", "200-pdf", "1000-xlsx-stacked", "1000-xlsx-sheets"):
            subprocess.run(
                [sys.executable, __file__, "--case", case, "--database", str(database)], check=True
            )


def build_in_child(database: Path, forms: int) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import bench_export; "
        f"bench_export.build(__import__('pathlib').Path({str(database)!r}), {forms})"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
