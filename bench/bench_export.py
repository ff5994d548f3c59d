"""Export benchmarks (run by hand or with ``make bench``; prints figures, asserts nothing).

    .venv/bin/python bench/bench_export.py [N] [--cases pdf-baseline,pdf-serial,pdf-parallel]
    .venv/bin/python bench/bench_export.py 200 --cases one-pdf,xlsx-stacked,xlsx-sheets

Builds (or reuses) a scratch SQLite database, ``/tmp/bench_export.sqlite3`` (``--database``),
of seed-like 东莞 forms with nine indicators each, then runs each case in a fresh process and
prints its wall time, its CPU time over the wall time (``getrusage`` of the process and of its
children: the pool's workers), the peak memory of the whole process tree (the RSS of the
process and of every descendant, read from /proc every 0.2 s and summed; PSS beside it, which
counts the pages the processes share, the fonts and Python's code, once) and how many CPUs
other work on the machine kept busy meanwhile (a busy machine slows the parallel case most):

* ``pdf-baseline``: N forms in one PDF as before, one process, one WeasyPrint document;
* ``pdf-serial``: N forms as now (each form its own document, chunks streamed to the file), in
  one process;
* ``pdf-parallel``: the same with one worker process per CPU (the background job's way);
* ``one-pdf``: one form's PDF (target ≤ 0.5 s; first call and warm);
* ``xlsx-stacked`` / ``xlsx-sheets``: N forms in one workbook (one sheet, or one sheet each).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = Path("/tmp/bench_export.sqlite3")
PDF_CASES = ("pdf-baseline", "pdf-serial", "pdf-parallel")
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


def form_count(database: Path) -> int:
    import sqlite3

    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database) as db:
            return int(db.execute("select count(*) from projects_performanceform").fetchone()[0])
    except sqlite3.Error:
        return 0


class TreeMemory:
    """Peak memory of this process and its descendants, sampled from /proc every 0.2 s."""

    def __init__(self) -> None:
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _tree(pid: int) -> set[int]:
        found: set[int] = set()
        todo = [pid]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            try:
                for task in os.listdir(f"/proc/{current}/task"):
                    with open(f"/proc/{current}/task/{task}/children") as children:
                        todo.extend(int(child) for child in children.read().split())
            except OSError:
                continue
        return found

    @staticmethod
    def _kb(path: str, field: str) -> int:
        try:
            with open(path) as file:
                for line in file:
                    if line.startswith(field):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while True:
            pids = self._tree(os.getpid())
            rss = sum(self._kb(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
            pss = sum(self._kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            if self._stop.wait(0.2):
                return


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (from /proc/stat): with our own, it tells
    how much of the machine other work took during a run."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def baseline_pdf(ids: list[int], output: Path) -> None:
    """The export as it was: every form's table in one HTML document, one WeasyPrint render
    holding the whole layout until the PDF is written."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from projects.exporting.batch import CategoryLookup, form_grid, load_forms
    from projects.exporting.pdf import prepare_section
    from projects.models import PerformanceForm

    categories = CategoryLookup()
    loaded = load_forms(PerformanceForm.objects.filter(pk__in=ids).order_by("id"))
    sections = [
        prepare_section(form_grid(form, data, "dongguan", categories), data.project.name)
        for form, data in loaded
    ]
    html = render_to_string("pdf/forms.html", {"sections": sections, "document_title": "基准"})
    output.write_bytes(HTML(string=html, base_url=str(ROOT)).write_pdf())


def run_case(database: Path, case: str, count: int) -> None:
    setup_django(database)
    from projects.exporting.batch import (
        Selection,
        export_batch,
        export_form,
        pdf_workers,
        write_batch,
    )
    from projects.models import PerformanceForm

    ids = list(PerformanceForm.objects.order_by("id").values_list("id", flat=True)[:count])
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
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        output = Path(folder) / "out"
        cpu_before, busy_before = cpu_seconds(), machine_busy_seconds()
        started = time.perf_counter()
        with TreeMemory() as memory:
            if case == "pdf-baseline":
                baseline_pdf(ids, output)
            elif case in ("pdf-serial", "pdf-parallel"):
                workers = pdf_workers() if case == "pdf-parallel" else 1
                selection = Selection(layout="dongguan", format="pdf", form_ids=tuple(ids))
                with output.open("wb") as file:
                    write_batch(actor=None, selection=selection, output=file, workers=workers)
            else:
                selection = Selection(
                    layout="dongguan",
                    format="xlsx",
                    form_ids=tuple(ids),
                    stacked=case == "xlsx-stacked",
                )
                output.write_bytes(export_batch(actor=None, selection=selection).content)
        wall = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        others = max(0.0, machine_busy_seconds() - busy_before - cpu) / wall
        size = output.stat().st_size
    label = {"pdf-parallel": f"pdf-parallel ({pdf_workers()} workers)"}.get(case, case)
    print(
        f"{label:<26} {len(ids):>5} forms  {wall:7.1f} s wall  CPU/wall {cpu / wall:4.2f}  "
        f"peak tree RSS {memory.peak_rss / 1024:5.0f} MB (PSS {memory.peak_pss / 1024:4.0f} MB, "
        f"{memory.peak_processes} processes)  {size / 1e6:6.1f} MB file  "
        f"[other work on the machine: {others:.1f} CPUs]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("forms", type=int, nargs="?", default=200)
    parser.add_argument("--cases", default=",".join(PDF_CASES))
    parser.add_argument("--case")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    args = parser.parse_args()
    if args.case:
        run_case(args.database, args.case, args.forms)
        return
    if form_count(args.database) < args.forms:
        args.database.unlink(missing_ok=True)
        started = time.perf_counter()
        build_in_child(args.database, args.forms)
        print(f"built {args.forms} forms in {time.perf_counter() - started:.1f} s")
    with open("/proc/loadavg") as load:
        print(f"{os.cpu_count()} CPUs, load average {load.read().split()[0]} before the runs")
    database = str(args.database)
    for case in args.cases.split(","):
        subprocess.run(
            [sys.executable, __file__, str(args.forms), "--case", case, "--database", database],
            check=True,
        )


def build_in_child(database: Path, forms: int) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import bench_export; "
        f"bench_export.build(__import__('pathlib').Path({str(database)!r}), {forms})"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
