"""Regenerate docs/cycle_*_pdf.png and docs/cycle_*_xlsx.png: page 1 of the demo's approved
self-evaluation and of its approved monitoring report, as PDF and as xlsx printed by
LibreOffice (the way the tests print sheets).

    .venv/bin/python docs/cycle_screenshots.py

Uses a throwaway SQLite database with the demo data (``load_demo``), whose cycle leaves a
report of each kind filled, scored and approved.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))


def page_one(pdf: Path, name: str) -> None:
    target = ROOT / "docs" / name
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), target],
        check=True,
    )
    print(f"{target}.png")


def main() -> None:
    import bench_export

    with tempfile.TemporaryDirectory(prefix="cycle-docs-") as tmp:
        folder = Path(tmp)
        bench_export.setup_django(folder / "docs.sqlite3")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
        from projects.exporting.reports import report_pdf, report_xlsx
        from projects.models import Report

        for kind, name in (
            (Report.Kind.SELF_EVALUATION, "cycle_self_evaluation"),
            (Report.Kind.MONITORING, "cycle_monitoring"),
        ):
            report = Report.objects.filter(kind=kind, status="approved").order_by("pk").first()
            if report is None:
                raise SystemExit(f"the demo has no approved report of kind {kind}")
            pdf = folder / f"{name}.pdf"
            pdf.write_bytes(report_pdf(report))
            page_one(pdf, f"{name}_pdf")
            sheet = folder / f"{name}.xlsx"
            sheet.write_bytes(report_xlsx(report))
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation=file://{folder / 'lo-profile'}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(folder / "printed"),
                    str(sheet),
                ],
                check=True,
                capture_output=True,
            )
            page_one(folder / "printed" / f"{name}.pdf", f"{name}_xlsx")


if __name__ == "__main__":
    main()
