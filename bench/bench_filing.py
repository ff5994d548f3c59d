"""Filing benchmark (run by hand or with ``make bench``; prints figures, asserts nothing).

    .venv/bin/python bench/bench_filing.py [--indicators 50] [--rounds 30]

In a throwaway SQLite database (migrations first), with one filer and one 东莞 form of N
indicators, measures beside the targets of the filing issue:

* the checks on the form's content (``check_content``: pure functions plus two small queries);
* the editor page (GET, through Django's test client: middleware, queries, templates);
* a save that changes one indicator value, posted as the browser posts it while a person
  types (the editor's background save: multipart, ``HX-Request``; validation, checks, lock,
  apply in place, the editing session's one event with its snapshot, the status fragment);
* the same save by the 保存 button (the full page post, answered with a redirect).

Each figure is the median and the 95th percentile of the rounds, with the query count of one
request beside it (the tests pin the counts; they do not grow with the number of indicators).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"checks": 20.0, "editor page": 100.0, "save": 100.0, "save (button)": 100.0}  # ms


def setup_django(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "perfgoals.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(run: Callable[[], object], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        run(args.indicators, args.rounds)


def run(count: int, rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )

    from indicators.models import Category, Framework
    from projects.content import load_content
    from projects.filing.checking import check_content
    from projects.models import Indicator, Membership, Organization, PerformanceForm, Project

    call_command("migrate", verbosity=0)
    framework = Framework.objects.get(is_default=True)
    department = Organization.objects.create(kind="department", name="东莞市财政局")
    unit = Organization.objects.create(kind="unit", name="信息中心", parent=department)
    project = Project.objects.create(unit=unit, name="财政业务系统运维")
    form = PerformanceForm.objects.create(
        project=project,
        project_type="运维",
        start_year=2023,
        end_year=2025,
        fiscal_year=2024,
        framework=framework,
        annual_amount=699000,
        period_goal="保障系统稳定运行。",
        annual_goal="全年保障系统正常运行。",
    )
    leaves = list(Category.objects.filter(framework=framework, level=2).order_by("order"))
    Indicator.objects.bulk_create(
        Indicator(
            form=form,
            category=leaves[i % len(leaves)],
            name=f"指标{i}",
            period_value=f"≥{i + 1}个",
            annual_value=f"≥{i + 1}个",
            order=i,
        )
        for i in range(count)
    )
    user = get_user_model().objects.create_user("filer", password="bench-password")
    Membership.objects.create(user=user, organization=unit, role=Membership.Role.FILER)
    client = Client()
    client.force_login(user)
    url = f"/forms/{form.pk}/edit/"
    content = load_content(PerformanceForm.objects.with_content().get(pk=form.pk))

    def queries(request: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as captured:
            request()
        return len(captured)

    results = []
    results.append(
        (
            "checks",
            *timed(lambda: check_content(content, framework_id=framework.pk), rounds),
            queries(lambda: check_content(content, framework_id=framework.pk)),
        )
    )
    results.append(
        ("editor page", *timed(lambda: client.get(url), rounds), queries(lambda: client.get(url)))
    )

    setup_test_environment()  # only to read the page's context, not while timing
    data = _posted(client.get(url))
    teardown_test_environment()
    name_key = next(k for k, v in data.items() if k.endswith("-name") and v == "指标0")
    value_key = name_key.replace("-name", "-annual_value")
    version = [int(data["version"])]

    def save(*, button: bool = False) -> None:
        data["version"] = str(version[0])
        data[value_key] = f"≥{version[0] + 100}个"
        if button:
            response = client.post(url, data)  # multipart, as the form's enctype says
            assert response.status_code == 302, response.status_code
        else:
            response = client.post(url, data, headers={"HX-Request": "true"})
            assert response.status_code == 200, response.status_code
        version[0] += 1

    def button() -> None:
        save(button=True)

    results.append(("save", *timed(save, rounds), queries(save)))
    results.append(("save (button)", *timed(button, rounds), queries(button)))
    print(f"filing, one 东莞 form with {count} indicators, {rounds} rounds (SQLite)")
    print(f"{'':14}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'target ms':>11}")
    for name, median, p95, query_count in results:
        print(f"{name:14}{median:10.1f}{p95:10.1f}{query_count:9d}{TARGETS[name]:11.0f}")


def _posted(response: object) -> dict[str, str]:
    """The editor page's inputs with their values, as the browser would post them back."""
    context = response.context  # type: ignore[attr-defined]
    editor = context["editor"]
    data = {"version": str(context["version"]), "edit_session": context["edit_session"]}
    for bound in editor.header_form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else str(value)
    for bound in editor.formset.management_form:
        data[bound.html_name] = str(bound.value())
    for row in editor.formset.forms:
        for bound in row:
            value = bound.value()
            if bound.name in ("core", "DELETE"):
                continue
            data[bound.html_name] = "" if value is None else str(value)
    return data


if __name__ == "__main__":
    main()
