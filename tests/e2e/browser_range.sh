#!/usr/bin/env bash
# End to end with a real browser: headless chromium loads a page from
# httpd-lite that
#   1. fetch()es a 100-byte range from the second half of the media file
#      with "Range: bytes=A-B" and hashes the bytes (SHA-256 in the page,
#      compared with sha256sum of the same bytes here);
#   2. loads the media file in a <video> element (preload=metadata),
#      waits for its metadata, seeks into the second half and waits for
#      'seeked'.
# The media file is the committed www/media/sample.mp4 (10 s of H.264 and
# AAC): the page also draws the frame it seeked to on a canvas and reports
# one pixel of it, so the video was really decoded there. The server's
# access log must show a 206 for sample.mp4 besides the fetch's 100 bytes:
# the <video>'s own request (chromium always asks media with Range). The
# clip is small enough to arrive whole with that first answer, so the seek
# itself need not make another request. Only if the mp4 is missing does
# the page use a generated WAV instead (10 minutes of silence, 50 MB),
# whose seek to 5 s before the end must be a second 206 for the tail.
# The page reports on the console; chromium (kept alive by
# --remote-debugging-port) logs it to stderr, where this script waits for
# it.
#
# Skips (exit 0) when there is no chromium, when chromium cannot load a
# page at all on this machine, or when it cannot play H.264; fails
# (exit 1) when it did and got something wrong. Every wait is bounded;
# what it starts it ends by pid.
#
#   HTTPD_LITE_BIN=build/httpd-lite tests/e2e/browser_range.sh
set -u

BIN=${HTTPD_LITE_BIN:-./httpd-lite}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MP4=$REPO/www/media/sample.mp4
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

# wait_until SECONDS COMMAND...: poll a check, bounded.
wait_until() {
	local i n=$1
	shift
	for ((i = 0; i < n * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $((($1 >> 16) & 65535)); }

# ---- the site ------------------------------------------------------------
www=$tmp/www
mkdir -p "$www/media"

# The WAV fallback: PCM, 16-bit mono 44.1 kHz, 600 s of zeros (silence):
# a 44-byte header, then the data as a sparse tail.
make_wav() {
	local rate=44100 data
	data=$((rate * 2 * wav_seconds))
	{
		printf 'RIFF'; le32 $((36 + data)); printf 'WAVEfmt '
		le32 16; le16 1; le16 1; le32 $rate; le32 $((rate * 2)); le16 2; le16 16
		printf 'data'; le32 $data
	} >"$1"
	truncate -s $((44 + data)) "$1"
}

if [ -f "$MP4" ]; then
	kind=mp4
	media=/media/sample.mp4
	cp "$MP4" "$www$media" || fail "cannot copy $MP4"
	seek_to=7.5
	want_duration=10
else
	kind=wav
	media=/media/tone.wav
	wav_seconds=600
	make_wav "$www$media"
	seek_to=$((wav_seconds - 5))
	want_duration=$wav_seconds
fi
size=$(stat -c %s "$www$media")
first=$((size * 3 / 4))
last=$((first + 99))
want_hash=$(tail -c +$((first + 1)) "$www$media" | head -c 100 | sha256sum | cut -d' ' -f1)

# What the page is to do, as data, so the page itself stays one literal.
cat >"$www/config.js" <<EOF
const CFG = {media: '$media', kind: '$kind', seek: $seek_to, range: 'bytes=$first-$last'};
EOF

cat >"$www/page.html" <<'EOF'
<!DOCTYPE html>
<html><body><script src="/config.js"></script><script>
function hex(b) {
	return Array.from(new Uint8Array(b)).map(x => x.toString(16).padStart(2, '0')).join('');
}
function once(el, ev) {
	return new Promise((ok, no) => {
		el.addEventListener(ev, ok, {once: true});
		el.addEventListener('error', () => no(new Error('media error ' + (el.error && el.error.code))), {once: true});
	});
}
// One pixel of the frame on screen, inside the red bar of testsrc2.
function pixel(v) {
	const c = document.createElement('canvas');
	c.width = v.videoWidth;
	c.height = v.videoHeight;
	const g = c.getContext('2d');
	g.drawImage(v, 0, 0);
	const p = g.getImageData(20, 100, 1, 1).data;
	return p[0] + ',' + p[1] + ',' + p[2];
}
async function main() {
	const out = [];
	const v = document.createElement('video');
	if (CFG.kind === 'mp4' && !v.canPlayType('video/mp4; codecs="avc1.4D4015, mp4a.40.2"')) {
		console.log('E2E-RESULT NO-H264');
		return;
	}
	v.preload = 'metadata';
	v.muted = true;
	v.src = CFG.media;
	document.body.appendChild(v);
	await once(v, 'loadedmetadata');
	out.push('duration ' + Math.round(v.duration));
	v.currentTime = CFG.seek;
	await once(v, 'seeked');
	out.push('seeked ' + Math.round(v.currentTime * 10) / 10);
	const px = CFG.kind === 'mp4' ? pixel(v) : '';
	// After the video, and past chromium's cache, which would otherwise
	// splice these bytes into the video's own requests.
	const r = await fetch(CFG.media, {headers: {Range: CFG.range}, cache: 'no-store'});
	const bytes = await r.arrayBuffer();
	out.unshift('fetch ' + r.status + ' ' + r.headers.get('Content-Range') + ' ' +
		    hex(await crypto.subtle.digest('SHA-256', bytes)));
	if (px)
		out.push('pixel ' + px);
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
if [ "$result" = "E2E-RESULT NO-H264" ]; then
	echo "SKIP browser_range: this chromium cannot play H.264"
	exit 0
fi

# The page's report, less the pixel, must be exact.
expect="E2E-RESULT fetch 206 bytes $first-$last/$size $want_hash | duration $want_duration | seeked $seek_to"
case $result in
"$expect" | "$expect | pixel "*) ;;
*) fail "page said: $result; expected: $expect" ;;
esac

# The 206 answers for the media file, as "... 206 BYTES"; the fetch's is
# the one of 100 bytes. A child writes its access lines within 0.1 s of
# going idle, and the browser may keep its connections open: wait.
log_206() { grep -o "\"GET $media HTTP/1.1\" 206 [0-9]*\$" "$tmp/server.log"; }
fetch_logged() { log_206 | grep -q ' 206 100$'; }
video_206s() { log_206 | grep -v ' 206 100$'; }
video_logged() { [ "$(video_206s | wc -l)" -ge "$1" ]; }
tail_logged() {
	video_206s | awk -v max=$((size / 10)) '$NF < max { n++ } END { exit n == 0 }'
}
wait_until 10 fetch_logged || fail "no 206 of 100 bytes for the fetch of $media"

if [ "$kind" = mp4 ]; then
	# testsrc2's red bar: the seeked-to frame was decoded, not blank.
	px=${result##*| pixel }
	IFS=, read -r red green blue <<<"$px"
	[ "${red:-0}" -ge 180 ] && [ "${green:-255}" -le 80 ] && [ "${blue:-255}" -le 80 ] ||
		fail "the frame at $seek_to s is not the clip's picture (pixel $px)"
	# The <video>'s own request: another 206 for the file.
	wait_until 10 video_logged 1 || fail "no 206 for $media from the <video>"
	video_206=$(video_206s | wc -l)
	echo "PASS browser_range: range fetch of sample.mp4 byte-exact; <video> got $video_206 x 206, seeked to $seek_to s and showed the frame there"
	exit 0
fi

# The WAV's seek was a Range request for the tail: a 206 of less than a
# tenth of the file (the first request, bytes=0-, was cut short).
wait_until 10 video_logged 2 || fail "expected at least two 206 answers for $media from the <video>"
wait_until 10 tail_logged || fail "no 206 for the tail of $media after the seek"

echo "PASS browser_range: range fetch byte-exact; <video> seek to $seek_to s served by a Range request (no sample.mp4: WAV)"
