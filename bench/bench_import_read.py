"""Workbook reading benchmark (run by hand or with ``make bench``; prints figures, asserts nothing).

    .venv/bin/python bench/bench_import_read.py [--forms 1000] [--rounds 3]

Writes N 东莞 forms stacked in one sheet (the seed forms, renamed so that every one is a new
project), with merged label cells as the official sheets have them, into an .xlsx in memory; then,
in a throwaway SQLite database (migrations first, for the framework's categories), measures the
best of a few rounds of:

* openpyxl's ``load_workbook(data_only=True)`` alone, the baseline: what the reader used to
  spend before it had read a single cell into the importer's grid;
* the reader's checks and scan (``check_workbook`` + ``scan_workbook``: zip checks and one expat
  pass over the sheet's XML);
* ``read_workbook``: checks, scan, python-calamine and the grid of cleaned cell texts (merges
  filled, hidden rows and columns out);
* ``read_plan``: the above plus finding and parsing the forms (no database matching).

It also prints the size of the sheet's data area against the reader's limit on cells.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "perfgoals.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def best(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from django.core.management import call_command
        from openpyxl import Workbook, load_workbook

        from bench.bench_import import _fast_merges
        from indicators.models import Framework
        from projects.importing.sources import read_plan
        from projects.importing.workbook import read_workbook
        from projects.importing.xlsx import MAX_SHEET_CELLS, check_workbook, scan_workbook
        from projects.layouts import framework_categories
        from projects.layouts.normalize import CategoryNames
        from projects.services.importing import read_sources
        from tests.import_helpers import DONGGUAN_SEED, Dirt, write_dongguan

        _fast_merges()
        call_command("migrate", verbosity=0)
        seeds = [form.data for form in read_sources(paths=[DONGGUAN_SEED]).forms]
        framework = Framework.objects.get(is_default=True)
        refs = framework_categories(framework.pk)
        categories = [(c.level1, c.level2) for c in refs]
        workbook = Workbook()
        ws = workbook.active
        assert ws is not None
        row = 1
        for index in range(args.forms):
            data = seeds[index % len(seeds)]
            data = replace(
                data, project=replace(data.project, name=f"{data.project.name}（{index + 1}）")
            )
            row = write_dongguan(ws, row, data, Dirt(label_width=2, merged=True), categories)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
        name = "bench.xlsx"
        names = CategoryNames(refs)

        [sheet] = read_workbook(content, file=name)
        scan = scan_workbook(content, check_workbook(content)).sheets[0]
        plan = read_plan(names=names, uploads=[(name, content)])
        assert not plan.has_errors and len(plan.forms) == args.forms
        print(
            f"{args.forms} 东莞 forms in one sheet: {len(content) / 1048576:.1f} MB, "
            f"{len(sheet.rows):,} rows × {sheet.width} columns = {scan.area:,} cells "
            f"(limit {MAX_SHEET_CELLS:,}), {len(scan.merges):,} merged ranges"
        )

        baseline = best(lambda: load_workbook(io.BytesIO(content), data_only=True), args.rounds)
        scanning = best(lambda: scan_workbook(content, check_workbook(content)), args.rounds)
        reading = best(lambda: read_workbook(content, file=name), args.rounds)
        planning = best(lambda: read_plan(names=names, uploads=[(name, content)]), args.rounds)
        print(f"openpyxl load_workbook alone (baseline) : {baseline:6.2f} s")
        print(f"checks + scan of the sheet XML          : {scanning:6.2f} s")
        print(f"read_workbook (scan + calamine + grid)  : {reading:6.2f} s")
        print(f"read_plan (+ find and parse the forms)  : {planning:6.2f} s")


if __name__ == "__main__":
    main()
