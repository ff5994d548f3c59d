#!/usr/bin/env bash
# Make sure the system packages WeasyPrint, the export tests and the browser tests need are here.
# Usage: scripts/system-packages.sh run|test
# Installs the missing ones with apt-get when running as root; otherwise says what to run.
set -eu
mode=${1:-run}
missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
have_lib 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi 'Noto Serif CJK' || missing+=(fonts-noto-cjk)
# CJK Extension B and beyond (𠀀, 𪚥), which Noto Serif CJK lacks: the PDFs fall back to HanaMin
fc-list :charset=2a6a5 2>/dev/null | grep -qi 'HanaMin' || missing+=(fonts-hanazono)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)
if [ "$mode" = test ]; then
  command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # LibreOffice prints our xlsx in the tests of how sheets print (page breaks, every
  # character of a long form), with Calibri's metric twin
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
  fc-list 2>/dev/null | grep -qi 'Carlito' || missing+=(fonts-crosextra-carlito)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Missing system packages: ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
  echo "Installed: ${missing[*]}"
else
  echo "Please run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
