#!/usr/bin/env bash
# README command 2: install what the tests need, then run the whole suite.
# Browser tests use Debian's chromium and the deck rendering LibreOffice (installed here when running
# as root and missing); under CI=true a missing browser or LibreOffice is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
"$PY" -m pip install -q -r requirements-dev.txt
# Debian's chromium for the browser tests, a CJK font so chart images render Chinese labels, and
# LibreOffice + poppler to render the PowerPoint deck.
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
  # LibreOffice (headless) and poppler render the PPTX deck to PNG (tests/test_pptx_render.py).
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-impress)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages for the tests: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      "${missing[@]}" >/dev/null
  fi
fi
BROWSER_FLAG=()
if [ -x /usr/bin/chromium ]; then
  BROWSER_FLAG=(--browser-e2e)
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true but /usr/bin/chromium is missing: browser tests cannot run." >&2
  exit 1
else
  echo "chromium not found: browser tests will be skipped (install Debian's chromium to run them)." >&2
fi
exec "$PY" -m pytest "${BROWSER_FLAG[@]}" "$@"
