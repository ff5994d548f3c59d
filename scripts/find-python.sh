#!/usr/bin/env bash
# Print the path of a Python >= 3.12, or explain what to install and fail.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=(python3 python3.14 python3.13 python3.12)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for dir in "$root"/versions/3.1[2-9]*; do
    [ -x "$dir/bin/python3" ] && candidates+=("$dir/bin/python3")
  done
fi
for dir in /usr/local/bin /usr/bin /opt/python*/bin; do
  for name in python3.14 python3.13 python3.12; do
    [ -x "$dir/$name" ] && candidates+=("$dir/$name")
  done
done
for candidate in "${candidates[@]}"; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if ok "$path"; then
    # Resolve pyenv shims to the real interpreter so the venv does not depend on them.
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "No Python 3.12 or newer found. Install one, e.g.: apt-get install python3.12 python3.12-venv" >&2
echo "(or with pyenv: pyenv install 3.13 && pyenv local 3.13)" >&2
exit 1
