#!/bin/sh
# The browser end-to-end tests (run.mjs: chromium and firefox-esr through
# puppeteer-core), for tests/run-tests.sh. Without node there is nothing
# to run them with: say so, and count them as skipped.
#
#   HTTPD_LITE_BIN=./httpd-lite tests/e2e/run.sh [--browser NAME]... [NAME-PART]...
here=$(dirname "$0")
if ! command -v node >/dev/null 2>&1; then
	echo "e2e: skipped (missing Debian package: nodejs; install it with: sudo make deps)"
	echo "[  SKIPPED ] 1 test(s)."
	exit 0
fi
exec node "$here/run.mjs" "$@"
