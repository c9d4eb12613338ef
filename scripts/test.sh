#!/usr/bin/env bash
# README command 2: install what the tests need, then run the whole suite.
# Browser tests use Debian's chromium (installed here when running as root and missing);
# under CI=true a missing browser is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
"$PY" -m pip install -q -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
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
