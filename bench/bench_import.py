"""Import benchmark (run by hand or with ``make bench``; prints figures, asserts nothing).

    .venv/bin/python bench/bench_import.py [--forms 1000]

Writes N 东莞 forms stacked in one sheet (the seed forms, renamed so that every one is a new
project), with merged label cells as the official sheets have them, into a temporary .xlsx; then
in a throwaway SQLite database (migrations first) measures:

* openpyxl alone loading the same file (``load_workbook``), for comparison;
* ``read_sources`` (checks, read, detect, parse, match: the preview);
* ``commit_import`` (one transaction: organisations, projects, forms, indicators);
* a second ``read_sources`` + ``commit_import`` of the same file (all unchanged, no writes).

Target: read + commit of 1,000 forms ≤ 15 s.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
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


def _fast_merges() -> None:
    """openpyxl's merge_cells scans every earlier merge (quadratic); building a sheet with
    23,000 merges would take minutes. The benchmark adds them without the scan."""
    from openpyxl.worksheet.merge import MergedCellRange
    from openpyxl.worksheet.worksheet import Worksheet

    def merge_cells(
        self: Worksheet,
        range_string: str | None = None,
        start_row: int = 0,
        start_column: int = 0,
        end_row: int = 0,
        end_column: int = 0,
    ) -> None:
        from openpyxl.worksheet.cell_range import CellRange

        if range_string is None:
            range_string = CellRange(
                min_col=start_column, min_row=start_row, max_col=end_column, max_row=end_row
            ).coord
        merged = MergedCellRange(self, range_string)
        self.merged_cells.ranges.add(merged)
        self._clean_merge_range(merged)

    Worksheet.merge_cells = merge_cells  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        from django.core.management import call_command
        from openpyxl import Workbook, load_workbook

        from indicators.models import Framework
        from projects.layouts import framework_categories
        from projects.services.importing import commit_import, read_sources
        from tests.import_helpers import DONGGUAN_SEED, Dirt, write_dongguan

        _fast_merges()
        call_command("migrate", verbosity=0)
        seeds = [form.data for form in read_sources(paths=[DONGGUAN_SEED]).forms]
        framework = Framework.objects.get(is_default=True)
        categories = [(c.level1, c.level2) for c in framework_categories(framework.pk)]
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
        path = Path(tmp) / "bench.xlsx"
        path.write_bytes(content)
        print(f"{args.forms} 东莞 forms in one sheet: {len(content) / 1048576:.1f} MB, {row} rows")

        started = time.perf_counter()
        load_workbook(io.BytesIO(content), data_only=True)
        openpyxl_seconds = time.perf_counter() - started

        started = time.perf_counter()
        plan = read_sources(paths=[path])
        read_seconds = time.perf_counter() - started
        assert not plan.has_errors and len(plan.forms) == args.forms
        started = time.perf_counter()
        result = commit_import(plan=plan)
        commit_seconds = time.perf_counter() - started
        assert result.created == args.forms

        started = time.perf_counter()
        again = commit_import(plan=read_sources(paths=[path]))
        again_seconds = time.perf_counter() - started
        assert again.unchanged == args.forms

        total = read_seconds + commit_seconds
        print(f"openpyxl load_workbook alone : {openpyxl_seconds:6.2f} s")
        print(f"read_sources (preview)       : {read_seconds:6.2f} s")
        print(f"commit_import                : {commit_seconds:6.2f} s")
        print(
            f"import total                 : {total:6.2f} s  (target ≤ 15 s)"
            f"{'' if total <= 15 else '  ** over target **'}"
        )
        print(f"re-import, all unchanged     : {again_seconds:6.2f} s")


if __name__ == "__main__":
    main()
