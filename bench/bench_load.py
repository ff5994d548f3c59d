"""Load benchmark: people filing and reviewing at once, against gunicorn on loopback (run by
hand; prints figures, asserts nothing).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perfgoals_city \\
        .venv/bin/python bench/bench_load.py [--users 10,50,100] [--seconds 60] \\
        [--against REF] [--worker-class gthread --workers 3 --threads 4]

Needs a city made by ``manage.py generate_city`` in that database. It starts gunicorn on
127.0.0.1:8790 with the production settings (``perfgoals/gunicorn_conf.py``: its worker class,
workers and threads unless given here; DEBUG off, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, plain
HTTP: SECURE_SSL_REDIRECT and the secure cookies off, the database connections as the settings
keep them, the hashed static files collected into a temporary folder and served by WhiteNoise),
gives the generated people of the city a bench password (their accounts have none), and signs
in the virtual users through the login page (CSRF token from the page), as a browser does: 60 %
filers of units with forms to edit, 20 % department reviewers, 20 % finance reviewers. For
``--seconds`` each user goes round its loop without pause:

* filer: the form list, one of its forms, the editor of an editable one and a save of it
  (a changed indicator value: POST of the editor's own fields, multipart as the browser posts
  the editor's form, a new version) every ``--save-every`` rounds, the dashboard;
* reviewers: the queue, a waiting form, the dashboard, the form list filtered by status.

``--users 10,50,100`` runs each load in turn; ``--against REF`` first runs the same loads on the
code of commit REF (laid out from git, with its own settings and gunicorn configuration) on
the same database: the baseline, in the same run.

It prints requests per second, the error rate (status ≥ 400 or no answer) and the median and
95th-percentile latency, overall and by page; then where a request's CPU went (Linux): gunicorn
(master and workers, recycled ones included), PostgreSQL (every process of the local server:
the other work of the machine's database counts too) and this load generator, each divided by
the requests served, and how many of the machine's cores they kept busy together. Standard
library only (urllib, threads).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import ROOT, percentile, production_settings

PASSWORD = "bench-load-password-2026"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_LINK = re.compile(r'href="/forms/(\d+)/"')
NUMBER = re.compile(r"\d+")
ALERT = re.compile(r'class="alert[^"]*"[^>]*>(.*?)</div>', re.S)


BOUNDARY = "----benchload7MA4YWxkTrZu0gW"


def multipart_body(data: list[tuple[str, str]]) -> bytes:
    """The fields as a browser posts a form of ``enctype="multipart/form-data"`` (the editor's:
    its 保存 button, its background saves through htmx and its beacon all send FormData)."""
    parts = []
    for name, value in data:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class EditorFields(HTMLParser):
    """The fields of the editor's form (``id="editor"``) as a browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.select: str | None = None
        self.selected: str | None = None
        self.first_option: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form" and found.get("id") == "editor":
            self.inside = True
        if not self.inside:
            return
        name = found.get("name", "")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            if kind in ("submit", "button", "file"):
                return
            self.fields.append((name, found.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []
        elif tag == "select" and name:
            self.select, self.selected, self.first_option = name, None, None
        elif tag == "option" and self.select is not None:
            value = found.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in found:
                self.selected = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            self.fields.append((self.select, self.selected or self.first_option or ""))
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    codes: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    said: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # what errors said

    def add(self, page: str, ms: float, status: int, ok: bool, text: str = "") -> None:
        with self.lock:
            self.samples[page].append(ms)
            self.codes[status] += 1
            if not ok:
                self.errors[page] += 1
                found = ALERT.search(text)
                said = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else text[:80]
                self.said[f"{page} {status}: {said[:100]}"] += 1


class Browser:
    """One signed-in person: a cookie jar and the pages it asks for, timed."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base = base
        self.stats = stats
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(
        self,
        page: str,
        path: str,
        data: list[tuple[str, str]] | None = None,
        record: bool = True,
        multipart: bool = False,
    ) -> tuple[int, str]:
        headers = {}
        if data is not None and multipart:
            body: bytes | None = multipart_body(data)
            headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
        else:
            body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError:
            status, text = 0, ""
        ms = (time.perf_counter() - start) * 1000
        if record:
            ok = 200 <= status < 400
            self.stats.add(page, ms, status, ok, text)
        return status, text

    def sign_in(self, username: str) -> bool:
        _status, page = self.request("login", "/accounts/login/", record=False)
        token = CSRF.search(page)
        if not token:
            return False
        status, _text = self.request(
            "login",
            "/accounts/login/",
            [
                ("csrfmiddlewaretoken", token.group(1)),
                ("username", username),
                ("password", PASSWORD),
            ],
            record=False,
        )
        return status == 302


def filer_round(browser: Browser, editable: list[int], rng: random.Random, save: bool) -> None:
    _status, page = browser.request("form list", "/forms/")
    links = FORM_LINK.findall(page)
    if links:
        browser.request("form page", f"/forms/{rng.choice(links)}/")
    if save and editable:
        pk = rng.choice(editable)
        status, page = browser.request("editor", f"/forms/{pk}/edit/")
        if status == 200:
            post_edit(browser, pk, page, rng)
    browser.request("dashboard", "/forms/dashboard/")


def post_edit(browser: Browser, pk: int, page: str, rng: random.Random) -> None:
    parser = EditorFields()
    parser.feed(page)
    fields = parser.fields
    values = [
        i
        for i, (name, value) in enumerate(fields)
        if name.endswith("value") and NUMBER.search(value)
    ]
    if values:  # change one number of a target value, as a filer does
        at = rng.choice(values)
        name, value = fields[at]
        fields[at] = (name, NUMBER.sub(_nudged, value, count=1))
    browser.request("save (POST)", f"/forms/{pk}/edit/", fields, multipart=True)


def _nudged(match: re.Match[str]) -> str:
    """A number one less (one more for 1 and 0): ``100%`` stays a valid share."""
    number = int(match.group())
    return str(number - 1 if number > 1 else number + 1)


def reviewer_round(browser: Browser, rng: random.Random) -> None:
    _status, page = browser.request("queue", "/forms/queue/")
    links = FORM_LINK.findall(page)
    if links:
        browser.request("form page", f"/forms/{rng.choice(links)}/")
    browser.request("dashboard", "/forms/dashboard/")
    browser.request("form list", "/forms/?status=submitted")


def prepare(users: int, seed: int) -> list[tuple[str, str, list[int]]]:
    """The people the virtual users sign in as (role, username, editable form ids), with the
    bench password set on them (one hash for all)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from projects.models import Membership, PerformanceForm

    rng = random.Random(seed)
    role = Membership.Role
    filers = max(1, round(users * 0.6))
    departments = max(1, round(users * 0.2))
    finance = max(1, users - filers - departments)
    chosen: list[tuple[str, str, list[int]]] = []
    memberships = Membership.objects.select_related("user").filter(user__username__regex=r"^c\d+-")
    filer_rows = list(memberships.filter(role=role.FILER).order_by("id"))
    rng.shuffle(filer_rows)
    for membership in filer_rows:
        editable = list(
            PerformanceForm.objects.filter(
                project__unit_id=membership.organization_id,
                status__in=PerformanceForm.EDITABLE_STATUSES,
            ).values_list("pk", flat=True)
        )
        if editable:
            chosen.append(("filer", membership.user.username, editable))
        if len(chosen) == filers:
            break
    for kind, count in ((role.DEPARTMENT_REVIEWER, departments), (role.FINANCE_REVIEWER, finance)):
        rows = list(memberships.filter(role=kind).order_by("id"))
        rng.shuffle(rows)
        chosen += [(kind, m.user.username, []) for m in (rows * count)[:count]]
    get_user_model().objects.filter(username__in=[name for _r, name, _e in chosen]).update(
        password=make_password(PASSWORD)
    )
    return chosen


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn stopped; see its log above.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--users", default="24", help="virtual users; several runs: 10,50,100 (one after another)"
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (the production settings')"
    )
    parser.add_argument("--threads", type=int, default=None, help="threads a worker (gthread)")
    parser.add_argument("--worker-class", default=None, help="sync or gthread")
    parser.add_argument(
        "--against",
        default="",
        metavar="REF",
        help="also run the same loads on the code of commit REF, with its own settings",
    )
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--save-every", type=int, default=3, help="a filer saves every N rounds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):  # e.g. `make bench`: nothing to measure
        print(f"{Path(__file__).name}: skipped, set DATABASE_URL to a city (see its docstring)")
        return
    loads = [int(users) for users in str(args.users).split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as name:
        folder = Path(name)
        production_settings(folder)
        os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
        checkouts = [("this checkout", ROOT)]
        if args.against:
            checkouts.insert(0, (args.against, laid_out(args.against, folder / "against")))
        people = prepare(max(loads), args.seed)
        for label, root in checkouts:
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=root,
                env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(folder)])},
                check=True,
            )
            for users in loads:
                serve_and_load(label, root, folder, chosen(people, users), args)


def laid_out(ref: str, folder: Path) -> Path:
    """The files of commit ``ref``, from git, in ``folder``."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def chosen(
    people: list[tuple[str, str, list[int]]], users: int
) -> list[tuple[str, str, list[int]]]:
    """``users`` of the people prepared, in the same 60/20/20 shares."""
    by_role: dict[str, list[tuple[str, str, list[int]]]] = defaultdict(list)
    for person in people:
        by_role[person[0]].append(person)
    filers = max(1, round(users * 0.6))
    departments = max(1, round(users * 0.2))
    finance = max(1, users - filers - departments)
    roles = list(by_role)
    return (
        by_role[roles[0]][:filers] + by_role[roles[1]][:departments] + by_role[roles[2]][:finance]
    )


def serve_and_load(
    label: str,
    root: Path,
    folder: Path,
    people: list[tuple[str, str, list[int]]],
    args: argparse.Namespace,
) -> None:
    """Start gunicorn on the checkout at ``root`` with its production settings
    (``perfgoals/gunicorn_conf.py``, with the options given here), load it, stop it."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), str(folder)]),
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
    }
    for option, variable in (
        ("workers", "GUNICORN_WORKERS"),
        ("threads", "GUNICORN_THREADS"),
        ("worker_class", "GUNICORN_WORKER_CLASS"),
    ):
        if getattr(args, option) is not None:
            environment[variable] = str(getattr(args, option))
    log = open(folder / "gunicorn.log", "w+")  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(root / "perfgoals" / "gunicorn_conf.py"),
            "perfgoals.wsgi",
        ],
        cwd=root,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(base + "/accounts/login/", server)
        run(base, people, args, label=f"{label}, {server_shape(log)}", server=server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.seek(0)
        errors = [line for line in log if "Error" in line or "Traceback" in line]
        if errors:
            print("gunicorn log:", *errors[-10:], sep="\n  ")
        log.close()


def _stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command's name (the state first); None if
    the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _process_cpu(pid: int, children_too: bool = False) -> float:
    """CPU seconds of the process (with ``children_too``: and of its children it has waited
    for, such as gunicorn's recycled workers or PostgreSQL's closed sessions); 0 if gone."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children_too:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, bytes]]:
    """Every process now: its parent and its program."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if fields is not None:
                found[int(entry.name)] = (int(fields[1]), command)
    return found


def cpu_seconds(server: int) -> dict[str, float]:
    """CPU seconds so far of gunicorn (master and workers), of PostgreSQL (all its processes,
    when it runs here: the ``postgres`` process whose parent is not one, and its children)
    and of this load generator: where a request's CPU goes (Linux)."""
    if not Path("/proc/self/stat").exists():
        return {}
    processes = _processes()

    def tree(parent: int) -> float:
        children = [pid for pid, (ppid, _command) in processes.items() if ppid == parent]
        return _process_cpu(parent, True) + sum(map(_process_cpu, children))

    spent = {"gunicorn": tree(server)}
    postgres = {
        pid for pid, (_ppid, command) in processes.items() if command.endswith(b"/postgres")
    }
    postmaster = next((pid for pid in postgres if processes[pid][0] not in postgres), None)
    if postmaster is not None:
        spent["PostgreSQL"] = tree(postmaster)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent["load generator"] = usage.ru_utime + usage.ru_stime
    return spent


def server_shape(log: object) -> str:
    """gunicorn's worker class and count, as its log says at start."""
    log.seek(0)  # type: ignore[attr-defined]
    text = log.read()  # type: ignore[attr-defined]
    kind = re.search(r"Using worker: (\S+)", text)
    workers = len(re.findall(r"Booting worker with pid", text))
    return f"gunicorn {kind.group(1) if kind else '?'} × {workers}"


def run(
    base: str,
    people: list[tuple[str, str, list[int]]],
    args: argparse.Namespace,
    *,
    label: str,
    server: int,
) -> None:
    stats = Stats()
    browsers = []
    static = f"{base}/static/css/app.css"
    for role, username, editable in people:
        browser = Browser(base, stats)
        if not browser.sign_in(username):
            sys.exit(f"{username} could not sign in.")
        browsers.append((role, browser, editable))
    with urllib.request.urlopen(static, timeout=5) as css:  # WhiteNoise, DEBUG off
        static_ok = css.status == 200 and len(css.read()) > 0
    stop = time.monotonic() + args.seconds
    cpu_before = cpu_seconds(server)

    def user(number: int, role: str, browser: Browser, editable: list[int]) -> None:
        rng = random.Random(f"{args.seed}-{number}")
        rounds = 0
        while time.monotonic() < stop:
            rounds += 1
            if role == "filer":
                filer_round(browser, editable, rng, save=rounds % args.save_every == 0)
            else:
                reviewer_round(browser, rng)

    started = time.monotonic()
    threads = [
        threading.Thread(target=user, args=(n, role, browser, editable), daemon=True)
        for n, (role, browser, editable) in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu_after = cpu_seconds(server)
    report(stats, elapsed, people, label, static_ok)
    requests = sum(len(samples) for samples in stats.samples.values())
    spent = {part: cpu_after[part] - cpu_before[part] for part in cpu_after}
    print(
        "CPU a request: "
        + ", ".join(
            f"{part} {1000 * seconds / max(1, requests):.1f} ms" for part, seconds in spent.items()
        )
        + f"; the machine's {os.cpu_count()} cores {sum(spent.values()) / elapsed:.2f} busy of "
        f"{os.cpu_count()}"
    )


def report(
    stats: Stats,
    elapsed: float,
    people: list[tuple[str, str, list[int]]],
    label: str,
    static_ok: bool,
) -> None:
    everything = [ms for samples in stats.samples.values() for ms in samples]
    errors = sum(stats.errors.values())
    roles = defaultdict(int)
    for role, _name, _editable in people:
        roles[role] += 1
    print(
        f"load: {len(people)} users ({', '.join(f'{n} {r}' for r, n in roles.items())}), "
        f"{elapsed:.0f} s, {label}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{len(everything)} requests, {len(everything) / elapsed:.1f} req/s, "
        f"errors {errors} ({100 * errors / max(1, len(everything)):.2f} %), "
        f"p50 {statistics.median(everything):.0f} ms, p95 {percentile(everything, 0.95):.0f} ms; "
        f"static files {'served' if static_ok else 'NOT served'}"
    )
    print(f"{'page':14}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for page, samples in sorted(stats.samples.items(), key=lambda item: -len(item[1])):
        print(
            f"{page:14}{len(samples):9d}{stats.errors[page]:8d}{statistics.median(samples):8.0f}"
            f"{percentile(samples, 0.95):8.0f}{max(samples):8.0f}"
        )
    print("status codes:", dict(sorted(stats.codes.items())))
    for said, count in sorted(stats.said.items(), key=lambda item: -item[1])[:5]:
        print(f"  {count} × {said}")


if __name__ == "__main__":
    main()
