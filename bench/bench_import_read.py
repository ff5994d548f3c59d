"""Workbook reading benchmark: our reader beside python-calamine's own read of the same file
(run by hand or with ``make bench``; prints figures, asserts nothing).

    .venv/bin/python bench/bench_import_read.py [--forms 1000] [--rounds 7] [--distinct]

Writes N 东莞 forms stacked in one sheet (the seed forms, renamed so that every one is a new
project), with merged label cells as the official sheets have them, into an .xlsx; then, in a
throwaway SQLite database (migrations first, for the framework's categories), measures the
CPU time of this process (``time.process_time``), best of a few rounds taken in turn:

* the baseline: python-calamine alone reading every sheet of the file (``to_python``) and its
  merged ranges, what any reader of the file must at least spend;
* ``read_plan``: everything the importer does before it looks at the database (the checks and
  the scan of the file, calamine, the grid of cleaned cell texts, finding and reading the forms,
  checking their fields' lengths); Django's start-up is not in it;

and their ratio, against the aim (at most 3 times the baseline). Then, each in a fresh process,
the peak memory (resident set) each needs above what the process held before it began (Linux
``VmHWM``, reset just before; ``ru_maxrss`` elsewhere), and their ratio against the aim (at
most 2 times). The stages of ``read_plan`` (the scan of the file, ``read_workbook``) are
printed too.

``--distinct`` makes every text of every form its own (the indicators, their values and the
goals carry the form's number), as real sheets of different projects are: the reader then
looks up about 16,000 distinct texts instead of 1,147.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIME_AIM = 3.0
MEMORY_AIM = 2.0


def setup_django(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "perfgoals.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --------------------------------------------------------------------------- what is measured


def calamine_read(content: bytes) -> None:
    """python-calamine's read of every sheet and its merged ranges (the baseline)."""
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_filelike(io.BytesIO(content)) as book:
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            sheet.to_python()
            sheet.merged_cell_ranges  # noqa: B018  # read on access


def category_names() -> object:
    from indicators.models import Framework
    from projects.layouts import framework_categories
    from projects.layouts.normalize import CategoryNames

    framework = Framework.objects.get(is_default=True)
    return CategoryNames(framework_categories(framework.pk))


def our_read(content: bytes, names: object) -> object:
    from projects.importing.sources import read_plan

    return read_plan(names=names, uploads=[("bench.xlsx", content)])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- memory


def _resident() -> int:
    """Bytes resident now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak() -> bool:
    """Reset the peak resident set (Linux: ``clear_refs`` 5); False where it cannot be."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _peak() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_memory(which: str, path: Path, database: Path) -> None:
    """In a fresh process: the peak resident memory ``which`` needs above what the process held
    before it began (printed as JSON). A one-form workbook is read first, so that imports and
    first-use caches are not counted."""
    content = path.read_bytes()
    small = path.with_name("one_form.xlsx").read_bytes()
    names = None
    if which == "ours":
        setup_django(database)
        names = category_names()
        our_read(small, names)
    else:
        calamine_read(small)

    gc.collect()
    before = _resident()
    exact = _reset_peak()
    if which == "ours":
        plan = our_read(content, names)
    else:
        calamine_read(content)
        plan = None
    peak = _peak()
    del plan
    print(json.dumps({"extra": peak - before, "exact": exact}))


def memory_of(which: str, path: Path, database: Path) -> tuple[int, bool]:
    found = subprocess.run(
        [sys.executable, __file__, "--memory", which, "--file", str(path), "--db", str(database)],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(found.stdout.strip().splitlines()[-1])
    return int(result["extra"]), bool(result["exact"])


# --------------------------------------------------------------------------- the workbook


def build_workbook(forms: int, distinct: bool) -> bytes:
    from openpyxl import Workbook

    from bench.bench_import import _fast_merges
    from indicators.models import Framework
    from projects.layouts import framework_categories
    from projects.services.importing import read_sources
    from tests.import_helpers import DONGGUAN_SEED, Dirt, write_dongguan

    _fast_merges()
    seeds = [form.data for form in read_sources(paths=[DONGGUAN_SEED]).forms]
    framework = Framework.objects.get(is_default=True)
    categories = [(c.level1, c.level2) for c in framework_categories(framework.pk)]
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    row = 1
    for index in range(forms):
        data = seeds[index % len(seeds)]
        number = f"（{index + 1}）"
        data = replace(data, project=replace(data.project, name=f"{data.project.name}{number}"))
        if distinct:
            data = replace(
                data,
                goals={key: f"{text}{number}" for key, text in data.goals.items()},
                indicators=[
                    replace(
                        item,
                        name=f"{item.name}{number}",
                        period_value=f"{item.period_value}{number}",
                        annual_value=f"{item.annual_value}{number}",
                    )
                    for item in data.indicators
                ],
            )
        row = write_dongguan(ws, row, data, Dirt(label_width=2, merged=True), categories)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def best(runs: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The least CPU seconds of each run, the runs taken in turn ``rounds`` times."""
    times = {key: float("inf") for key in runs}
    for _ in range(rounds):
        for key, run in runs.items():
            started = time.process_time()
            run()
            times[key] = min(times[key], time.process_time() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--distinct", action="store_true", help="every form's texts its own")
    parser.add_argument("--memory", choices=["calamine", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        measure_memory(args.memory, args.file, args.db)
        return
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.sqlite3"
        setup_django(database)
        from django.core.management import call_command

        from projects.importing.workbook import read_workbook
        from projects.importing.xlsx import MAX_SHEET_CELLS, check_workbook, scan_workbook

        call_command("migrate", verbosity=0)
        content = build_workbook(args.forms, args.distinct)
        path = Path(tmp) / "bench.xlsx"
        path.write_bytes(content)
        path.with_name("one_form.xlsx").write_bytes(build_workbook(1, args.distinct))
        names = category_names()

        [sheet] = read_workbook(content, file=path.name)
        scan = scan_workbook(content, check_workbook(content)).sheets[0]
        plan = our_read(content, names)
        assert not plan.has_errors and len(plan.forms) == args.forms  # type: ignore[attr-defined]
        texts = {text for row in sheet.rows for text in row if text}
        print(
            f"{args.forms} 东莞 forms in one sheet: {len(content) / 1048576:.1f} MB, "
            f"{len(sheet.rows):,} rows × {sheet.width} columns (data area bound "
            f"{scan.area:,} cells, limit {MAX_SHEET_CELLS:,}), {len(texts):,} distinct texts"
        )

        del sheet, scan, plan, texts
        gc.collect()
        times = best(
            {
                "baseline": lambda: calamine_read(content),
                "read_plan": lambda: our_read(content, names),
            },
            args.rounds,
        )
        times |= best(
            {
                "scan": lambda: scan_workbook(content, check_workbook(content)),
                "read_workbook": lambda: read_workbook(content, file=path.name),
            },
            args.rounds,
        )
        baseline, ours = times["baseline"], times["read_plan"]
        print(f"CPU time, best of {args.rounds} rounds")
        print(f"  python-calamine, every sheet and its merged ranges (baseline) {baseline:7.3f} s")
        print(f"  read_plan: checks, scan, calamine, grid, forms, lengths         {ours:7.3f} s")
        print(
            f"    of which the checks and scan of the file                     {times['scan']:7.3f} s"
        )
        print(
            f"    of which read_workbook (scan, calamine, grid)                {times['read_workbook']:7.3f} s"
        )
        ratio = ours / baseline
        verdict = "within" if ratio <= TIME_AIM else "over"
        print(f"  ratio {ratio:.2f}× ({verdict} the aim of {TIME_AIM:g}×)")

        calamine_memory, exact = memory_of("calamine", path, database)
        our_memory, _exact = memory_of("ours", path, database)
        how = "VmHWM reset" if exact else "ru_maxrss"
        print(f"Peak memory above the process's own, each in a fresh process ({how})")
        print(f"  python-calamine (baseline) {calamine_memory / 1048576:7.1f} MB")
        print(f"  read_plan                  {our_memory / 1048576:7.1f} MB")
        memory_ratio = our_memory / calamine_memory
        verdict = "within" if memory_ratio <= MEMORY_AIM else "over"
        print(f"  ratio {memory_ratio:.2f}× ({verdict} the aim of {MEMORY_AIM:g}×)")


if __name__ == "__main__":
    main()
