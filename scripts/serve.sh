#!/usr/bin/env bash
# Serve the app for `make run`: the background-task worker (batch exports) and the web server,
# stopped together.
set -eu
py=${PY:-.venv/bin/python}
# development: DEBUG on (static files served by runserver, no HTTPS redirect), unless asked
# otherwise; a deployment runs gunicorn with DEBUG off instead
export DEBUG="${DEBUG:-1}"
"$py" manage.py run_worker --no-reload --no-startup-delay &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
"$py" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
