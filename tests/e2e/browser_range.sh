#!/usr/bin/env bash
# End to end with a real browser: headless chromium loads a page from
# httpd-lite that
#   1. fetch()es /big.bin with "Range: bytes=100-199" and hashes the bytes
#      (SHA-256 in the page, compared with sha256sum of the same bytes here);
#   2. loads /tone.wav (10 minutes of silence, 50 MB) in a <video>
#      element, waits for its metadata and seeks to 5 s before the end.
# The page reports on the console; chromium (kept alive by
# --remote-debugging-port) logs it to stderr, where this script waits for
# it. The server's access log must then show the seek as a second 206 for
# tone.wav that sent only the tail of the file.
#
# Skips (exit 0) when there is no chromium, or when chromium cannot load a
# page at all on this machine; fails (exit 1) when it did and got
# something wrong. Every wait is bounded.
#
#   HTTPD_LITE_BIN=build/httpd-lite tests/e2e/browser_range.sh
set -u

BIN=${HTTPD_LITE_BIN:-./httpd-lite}
CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROMIUM" ]; then
	echo "SKIP browser_range: no chromium"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "FAIL browser_range: no server binary at $BIN" >&2
	exit 1
fi

tmp=$(mktemp -d)
server_pid=
chrome_pid=
cleanup() {
	if [ -n "$chrome_pid" ]; then
		kill -- -"$chrome_pid" 2>/dev/null
		wait "$chrome_pid" 2>/dev/null
	fi
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	[ -n "$server_pid" ] && wait "$server_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL browser_range: $*" >&2
	echo "--- server log" >&2
	cat "$tmp/server.log" >&2
	echo "--- chromium (last lines)" >&2
	tail -n 20 "$tmp/chrome.err" >&2
	exit 1
}

# wait_for FILE PATTERN SECONDS: poll a file for a line, bounded.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $((($1 >> 16) & 65535)); }

# ---- the site ------------------------------------------------------------
www=$tmp/www
mkdir -p "$www"
head -c 100000 /dev/urandom >"$www/big.bin"
want_hash=$(dd if="$www/big.bin" bs=1 skip=100 count=100 2>/dev/null | sha256sum | cut -d' ' -f1)

# PCM WAV, 16-bit mono 44.1 kHz, 600 s of zeros (silence): a 44-byte
# header, then the data as a sparse tail.
rate=44100
seconds=600
data=$((rate * 2 * seconds))
{
	printf 'RIFF'; le32 $((36 + data)); printf 'WAVEfmt '
	le32 16; le16 1; le16 1; le32 $rate; le32 $((rate * 2)); le16 2; le16 16
	printf 'data'; le32 $data
} >"$www/tone.wav"
truncate -s $((44 + data)) "$www/tone.wav"

cat >"$www/page.html" <<'EOF'
<!DOCTYPE html>
<html><body><script>
function hex(b) {
	return Array.from(new Uint8Array(b)).map(x => x.toString(16).padStart(2, '0')).join('');
}
function once(el, ev) {
	return new Promise((ok, no) => {
		el.addEventListener(ev, ok, {once: true});
		el.addEventListener('error', () => no(new Error('media error ' + (el.error && el.error.code))), {once: true});
	});
}
async function main() {
	const out = [];
	const r = await fetch('/big.bin', {headers: {Range: 'bytes=100-199'}});
	const bytes = await r.arrayBuffer();
	out.push('fetch ' + r.status + ' ' + r.headers.get('Content-Range') + ' ' +
		 hex(await crypto.subtle.digest('SHA-256', bytes)));
	const v = document.createElement('video');
	v.preload = 'metadata';
	v.src = '/tone.wav';
	document.body.appendChild(v);
	await once(v, 'loadedmetadata');
	out.push('duration ' + Math.round(v.duration));
	v.currentTime = v.duration - 5;
	await once(v, 'seeked');
	out.push('seeked ' + Math.round(v.currentTime));
	console.log('E2E-RESULT ' + out.join(' | '));
}
main().catch(e => console.log('E2E-RESULT ERROR ' + e));
</script></body></html>
EOF

# ---- the server, on a free port ------------------------------------------
port=
for p in $(shuf -i 20000-60999 -n 10); do
	"$BIN" -b 127.0.0.1 -p "$p" -d "$www" >"$tmp/server.out" 2>"$tmp/server.log" &
	server_pid=$!
	if wait_for "$tmp/server.out" "Serving HTTP" 5; then
		port=$p
		break
	fi
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
done
[ -n "$port" ] || fail "the server did not start"

# ---- chromium --------------------------------------------------------------
# Its own session (setsid), so the whole process tree can be ended.
setsid "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
	--disable-crash-reporter --disable-breakpad \
	--user-data-dir="$tmp/profile" --remote-debugging-port=0 \
	--enable-logging=stderr --v=0 \
	"http://127.0.0.1:$port/page.html" >/dev/null 2>"$tmp/chrome.err" &
chrome_pid=$!

if ! wait_for "$tmp/chrome.err" "E2E-RESULT" 45; then
	if ! grep -q '"GET /page.html HTTP/1.1" 200' "$tmp/server.log"; then
		echo "SKIP browser_range: chromium could not load a page here"
		exit 0
	fi
	fail "no result from the page within 45 s"
fi
result=$(grep -o 'E2E-RESULT [^"]*' "$tmp/chrome.err" | head -n 1)

expect="E2E-RESULT fetch 206 bytes 100-199/100000 $want_hash | duration $seconds | seeked $((seconds - 5))"
[ "$result" = "$expect" ] || fail "page said: $result; expected: $expect"

# The seek was a Range request for the tail: a 206 of less than a tenth
# of the file (the first request, bytes=0-, was cut short: "-").
wav_206=$(grep -c '"GET /tone.wav HTTP/1.1" 206 ' "$tmp/server.log")
[ "$wav_206" -ge 2 ] || fail "expected at least two 206 answers for tone.wav"
tail_206=$(grep -o '"GET /tone.wav HTTP/1.1" 206 [0-9]*$' "$tmp/server.log" |
	awk -v max=$((data / 10)) '$NF < max { n++ } END { print n + 0 }')
[ "$tail_206" -ge 1 ] || fail "no 206 for the tail of tone.wav after the seek"

echo "PASS browser_range: range fetch byte-exact; <video> seek to $((seconds - 5)) s served by a Range request"
