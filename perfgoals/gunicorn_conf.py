"""gunicorn's settings for production: ``gunicorn -c perfgoals/gunicorn_conf.py perfgoals.wsgi``.

Each value can be changed from the environment (``GUNICORN_BIND``, ``GUNICORN_WORKERS``…).
Nothing is kept in a worker's memory between requests (sessions, staged imports, export files,
locks and tasks live in PostgreSQL and the storage), so any number of workers, on any number of
hosts, can serve the same site."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# A process a core and one more, each serving four requests at once in threads (gthread):
# while one thread waits for PostgreSQL another runs. On two cores, at 50 clients of the
# mixed load (bench/bench_load.py), 3 × 4 threads served 33 requests a second where 5 sync
# workers served 19 (README, "Scale"). Each thread keeps its own database connection
# (CONN_MAX_AGE): workers × threads connections an instance.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# a small batch export (EXPORT_INLINE_MAX_FORMS) or a large import preview is rendered in the
# request: give it time; anything larger goes to the worker (manage.py run_worker)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then (WeasyPrint and openpyxl allocate a lot)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# the proxy in front (nginx) is trusted for X-Forwarded-* from these addresses
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "perfgoals"
