#!/usr/bin/env bash
# Serve the app for `make run`: the background-task worker (batch exports) and the web server,
# stopped together.
set -eu
py=${PY:-.venv/bin/python}
"$py" manage.py db_worker --no-reload --no-startup-delay &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
"$py" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
