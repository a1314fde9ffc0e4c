#!/bin/sh
# The browser end-to-end tests (run.mjs: chromium and firefox-esr through
# puppeteer-core), for tests/run-tests.sh. Without node there is nothing
# to run them with: say so, and count them as skipped.
#
#   HTTPD_LITE_BIN=./httpd-lite tests/e2e/run.sh [--browser NAME]... [NAME-PART]...
here=${0%/*}
if ! command -v node >/dev/null 2>&1; then
	if [ "${E2E_REQUIRED:-}" = 1 ]; then
		echo "[  FAILED  ] 1 test(s), listed below:"
		echo "[  FAILED  ] e2e: no node (missing Debian package: nodejs)"
		exit 1
	fi
	echo "e2e: skipped (missing Debian package: nodejs; install it with: sudo make deps)"
	echo "[  SKIPPED ] 1 test(s)."
	exit 0
fi
exec node "$here/run.mjs" "$@"
