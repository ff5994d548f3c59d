"""Regenerate docs/export_*.png: page 1 of each layout's PDF, from the seed forms.

    .venv/bin/python docs/export_screenshots.py

Uses a throwaway SQLite database (like bench/bench_export.py) and the test builders, which
hold the first 东莞 and 深圳 seed forms and a 广州 department with two units.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    import bench_export

    with tempfile.TemporaryDirectory(prefix="export-docs-") as tmp:
        bench_export.setup_django(Path(tmp) / "docs.sqlite3")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from projects.exporting.batch import Selection, export_batch, export_form
        from tests.export_helpers import (
            make_dongguan_form,
            make_guangzhou_forms,
            make_shenzhen_form,
        )

        files = {
            "export_dongguan": export_form(form=make_dongguan_form(), fmt="pdf"),
            "export_shenzhen": export_form(form=make_shenzhen_form(), fmt="pdf"),
        }
        forms = make_guangzhou_forms()
        files["export_guangzhou"] = export_batch(
            actor=None,
            selection=Selection(
                layout="guangzhou", format="pdf", department_id=forms[0].project.department_id
            ),
        )
        for name, rendered in files.items():
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(rendered.content)
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "80",
                    "-png",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(pdf),
                    str(ROOT / "docs" / name),
                ],
                check=True,
            )
            print(ROOT / "docs" / f"{name}.png")


if __name__ == "__main__":
    main()
