#!/usr/bin/env bash
# End to end with a real browser and a real mirroring client.
#
# Starts the built httpd-lite ($HTTPD_LITE_BIN, default ./httpd-lite) on a
# free loopback port over a temporary copy of www/ plus two generated
# trees, then:
#   - headless chromium loads the www index, follows its link to a
#     listing, loads a listing and checks the rows as the browser parsed
#     them (--dump-dom: order, link text, hrefs, sizes, times, breadcrumbs,
#     the parent row, the sort forms), follows a link to a file and one to
#     a directory, loads ?sort=size&order=desc and checks the order;
#   - clicks the "Size" sort button, then presses Enter on "Name", with
#     scripts off, and checks the URLs the forms went to;
#   - takes screenshots at phone (390x844) and desktop (1280x800) sizes,
#     and one in dark mode, each checked to be the right size and not one
#     flat colour (and light, or dark, behind the text);
#   - wget -r --no-parent mirrors a tree of several levels with odd names
#     (spaces, &, quotes, non-ASCII, a control byte, a name that is not
#     UTF-8) from the listing links alone, and the mirror must equal the
#     source byte for byte (diff -r), the saved listing pages aside:
#     exactly one index.html per directory and no request with a query.
#
# Prints cmocka-style lines ("[  PASSED  ] N test(s).") so that
# tests/run-tests.sh adds them to the suite's total, and exits non-zero if
# any check failed. The DOM and PNG checks are in e2e_check.py (python3,
# standard library). Every chromium run is bounded (CHROME_TIMEOUT s) and
# killed by its process group if it overruns; the server is killed by pid
# on exit. About 15 to 25 s on two cores.
#
#   HTTPD_LITE_BIN=build/httpd-lite tests/e2e/run.sh
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${HTTPD_LITE_BIN:-./httpd-lite}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
CHROME_TIMEOUT=${CHROME_TIMEOUT:-60}
CHROME_FLAGS=(--headless --no-sandbox --disable-gpu --disable-background-networking
	--disable-component-update --disable-sync --no-first-run
	--disable-crash-reporter --disable-breakpad --hide-scrollbars --mute-audio)

if [ -z "$CHROMIUM" ]; then
	echo "e2e: skipped (chromium not installed)"
	exit 0
fi
if [ ! -x "$BIN" ]; then
	echo "e2e: no server binary at $BIN"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/httpd-lite-e2e.XXXXXX")
www=$tmp/www
server_pid=
tls_server_pid=
declare -A chrome_pids=()

cleanup() {
	local name pid
	for name in "${!chrome_pids[@]}"; do
		kill -KILL -- -"${chrome_pids[$name]}" 2>/dev/null
		wait "${chrome_pids[$name]}" 2>/dev/null
	done
	for pid in $server_pid $tls_server_pid; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Debian's python3 first: a version manager's shim costs half a second a call.
PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
py() { "$PYTHON" "$HERE/e2e_check.py" "$@"; }

# ---- the site ----------------------------------------------------------------
T0=1700000000 # 2023-11-14T22:13:20Z

make_browse() {
	local b=$www/browse
	mkdir -p "$b/sub dir & co" "$b/Ω omega"
	printf 'inner\n' >"$b/sub dir & co/inner.txt"
	ln -s "sub dir & co" "$b/link to sub"
	truncate -s 3145728 "$b/big.bin"
	yes 'a line with & and <markup> in it' | head -c 1536 >"$b/mid & <tag>.txt"
	head -c 1536 /dev/zero >"$b/tie-b.txt"
	printf '0123456789' >"$b/small \"q\" 'a'.txt"
	head -c 100 /dev/zero >"$b/ünï cødé.txt"
	printf 'bytes' >"$b/bad"$'\xff'"name.txt"
	local i=0 f
	for f in big.bin "mid & <tag>.txt" tie-b.txt "small \"q\" 'a'.txt" \
		"ünï cødé.txt" "bad"$'\xff'"name.txt" "sub dir & co/inner.txt" \
		"sub dir & co" "Ω omega" "link to sub"; do
		touch -h -d "@$((T0 + 1000 * i))" "$b/$f"
		i=$((i + 1))
	done
}

# For the mirror: several levels, odd names, binary and empty files, an
# empty directory. No index.html anywhere: each directory is a listing.
make_tree() {
	local t=$www/tree
	mkdir -p "$t/level 1/level 2 & more/level 3 ünï/level 4" "$t/日本語" "$t/empty dir"
	head -c 70000 /dev/urandom >"$t/random & noise.bin"
	: >"$t/empty.txt"
	printf 'percent\n' >"$t/100% #1 +;=.txt"
	printf 'quotes\n' >"$t/quote\"<'>.txt"
	printf 'not utf-8\n' >"$t/bad"$'\xff'"name.bin"
	printf 'space\n' >"$t/level 1/sp ace.txt"
	printf 'control\n' >"$t/level 1/ctl"$'\x01'"x.txt"
	head -c 5000 /dev/urandom >"$t/level 1/level 2 & more/deep.bin"
	printf 'café\n' >"$t/level 1/level 2 & more/level 3 ünï/café.txt"
	head -c 200000 /dev/urandom >"$t/level 1/level 2 & more/level 3 ünï/level 4/deepest.bin"
	printf 'japanese\n' >"$t/日本語/ファイル.txt"
}

cp -R "$REPO/www" "$www" || exit 1
make_browse
make_tree

# ---- the server ----------------------------------------------------------------
start_server() {
	local attempt port i
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(py free-port) || return 1
		"$BIN" -b 127.0.0.1 -p "$port" -d "$www" >"$tmp/server.out" 2>"$tmp/server.log" </dev/null &
		server_pid=$!
		for ((i = 0; i < 50; i++)); do
			if grep -q '^Serving HTTP' "$tmp/server.out" 2>/dev/null; then
				base=http://127.0.0.1:$port
				return 0
			fi
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		# Lost the port to someone else, or did not start: next port.
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
		server_pid=
	done
	return 1
}

# ---- chromium ----------------------------------------------------------------------
# chrome_start NAME ARGS...: a headless run in its own process group, with
# a fresh profile; stdout to $tmp/NAME.out, stderr to $tmp/NAME.err.
chrome_start() {
	local name=$1 profile
	shift
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	setsid "$CHROMIUM" "${CHROME_FLAGS[@]}" --user-data-dir="$profile" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	chrome_pids[$name]=$!
}

# Wait for every run started; one that overruns CHROME_TIMEOUT is killed.
chrome_wait() {
	local deadline=$((SECONDS + CHROME_TIMEOUT)) name pid
	for name in "${!chrome_pids[@]}"; do
		pid=${chrome_pids[$name]}
		while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "killed after ${CHROME_TIMEOUT} s" >>"$tmp/$name.err"
			kill -KILL -- -"$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		echo $? >"$tmp/$name.rc"
		unset "chrome_pids[$name]"
	done
}

# The run NAME exited 0 and wrote FILE (default: its stdout).
ran() {
	local rc file=${2:-$tmp/$1.out}
	rc=$(cat "$tmp/$1.rc" 2>/dev/null)
	if [ "$rc" = 0 ] && [ -s "$file" ]; then
		return 0
	fi
	echo "chromium ($1) exited ${rc:-?}; last lines of its stderr:"
	grep -v 'dbus\|DBus' "$tmp/$1.err" | tail -n 5
	return 1
}

dom() { chrome_start "$1" --dump-dom "$2"; }
# click NAME URL SEL1 SEL2: e2e_check.py drives a chromium of its own over
# the DevTools pipe (see its "click"); started and bounded like the others,
# the chromium in the same process group.
click() {
	local name=$1 profile
	shift
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	setsid "$PYTHON" "$HERE/e2e_check.py" click "$@" "$CHROMIUM" "${CHROME_FLAGS[@]}" \
		--user-data-dir="$profile" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	chrome_pids[$name]=$!
}
shot() {
	local name=$1 size=$2 url=$3
	shift 3
	chrome_start "$name" --window-size="$size" --screenshot="$tmp/$name.png" "$@" "$url"
}

# ---- checks ------------------------------------------------------------------------------
passed=0
failed_names=()

# check NAME FUNCTION: run it, show what it printed, count it.
check() {
	local name=$1 out
	echo "[ RUN      ] $name"
	if out=$("$2" 2>&1); then
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
		echo "[       OK ] $name"
		passed=$((passed + 1))
	else
		printf '%s\n' "$out" | sed 's/^/    /'
		echo "[  FAILED  ] $name"
		failed_names+=("$name")
	fi
}

t_index() {
	ran index && py index "$tmp/index.out" "$www/index.html" >"$tmp/index.link"
}
t_index_link() {
	local link
	link=$(cat "$tmp/index.link" 2>/dev/null)
	[ -n "$link" ] || { echo "the index gave no link to follow"; return 1; }
	echo "followed $link from the index"
	ran index_link &&
		py listing "$tmp/index_link.out" "/${link%/}/" "$www/${link%/}"
}
t_listing() { ran browse && py listing "$tmp/browse.out" /browse/ "$www/browse"; }
t_sorted() {
	ran sorted && py listing "$tmp/sorted.out" /browse/ "$www/browse" size desc
}
# The sort buttons, used as a person would, scripts off: a mouse click on
# "Size", then Enter on "Name" in the page that gave.
t_click() {
	ran click || return 1
	cat "$tmp/click.out"
	grep -Fqx "mouse on th.s button: $base/browse/?sort=size&order=asc" "$tmp/click.out" &&
		grep -Fqx "Enter on th.n button: $base/browse/?sort=name&order=asc" "$tmp/click.out"
}
t_file_link() {
	ran file_link && py text "$tmp/file_link.out" "$www/browse/mid & <tag>.txt"
}
t_dir_link() {
	ran dir_link && py listing "$tmp/dir_link.out" "/browse/sub dir & co/" "$www/browse/sub dir & co"
}
t_phone() { ran phone "$tmp/phone.png" && py png "$tmp/phone.png" 390 844 light; }
t_desktop() { ran desktop "$tmp/desktop.png" && py png "$tmp/desktop.png" 1280 800 light; }
t_dark() { ran dark "$tmp/dark.png" && py png "$tmp/dark.png" 1280 800 dark; }
t_index_phone() { ran index_phone "$tmp/index_phone.png" && py png "$tmp/index_phone.png" 390 844 any; }

t_mirror() {
	local m=$tmp/mirror before pages dirs files
	mkdir -p "$m"
	before=$(wc -l <"$tmp/server.log")
	(cd "$m" && timeout 60 wget -r -l inf --no-parent -nH -e robots=off \
		--restrict-file-names=nocontrol \
		--tries=1 --timeout=5 -q "$base/tree/") || {
		echo "wget exited $?"
		return 1
	}
	# The listing pages wget saved as DIR/index.html: one per directory.
	pages=$(find "$m" -type f -name index.html | wc -l)
	dirs=$(find "$www/tree" -type d | wc -l)
	files=$(find "$www/tree" -type f | wc -l)
	if [ "$pages" -ne "$dirs" ]; then
		echo "wget saved $pages listing pages for $dirs directories"
		return 1
	fi
	find "$m" -type f -name index.html -delete
	diff -r "$www/tree" "$m/tree" || return 1
	# From the listing links alone: nothing with a query (sorting is by
	# form, which wget does not submit), nothing outside /tree/.
	if tail -n +"$((before + 1))" "$tmp/server.log" | grep '"GET ' | grep -v '"GET /tree/[^? ]* HTTP'; then
		echo "wget fetched the requests above"
		return 1
	fi
	echo "mirrored $files files in $dirs directories byte for byte"
}

# ---- run -------------------------------------------------------------------------------------
echo "[==========] e2e: chromium and wget against $BIN"
if [ -z "$PYTHON" ]; then
	echo "[  FAILED  ] 1 test(s), listed below:"
	echo "[  FAILED  ] e2e needs python3"
	exit 1
fi
if ! start_server; then
	echo "[  FAILED  ] 1 test(s), listed below:"
	echo "[  FAILED  ] server_start"
	cat "$tmp/server.log"
	exit 1
fi

# Two rounds of browsers side by side; the second follows links the
# first one's DOM gave.
dom index "$base/"
dom browse "$base/browse/"
dom sorted "$base/browse/?sort=size&order=desc"
click click "$base/browse/" "th.s button" "th.n button"
shot phone 390,844 "$base/browse/"
chrome_wait
check www_index_loads t_index
href_file=$(py href "$tmp/browse.out" "mid & <tag>.txt" 2>/dev/null)
href_dir=$(py href "$tmp/browse.out" "sub dir & co/" 2>/dev/null)
[ -n "$(cat "$tmp/index.link" 2>/dev/null)" ] && dom index_link "$base/$(cat "$tmp/index.link")"
dom file_link "$base/browse/$href_file"
dom dir_link "$base/browse/$href_dir"
shot desktop 1280,800 "$base/browse/"
shot dark 1280,800 "$base/browse/" --force-dark-mode
shot index_phone 390,844 "$base/"
chrome_wait

check www_index_links_to_a_listing t_index_link
check listing_rows_as_the_browser_parsed_them t_listing
check listing_link_to_a_file_followed t_file_link
check listing_link_to_a_directory_followed t_dir_link
check listing_sorted_by_size_desc t_sorted
check listing_sort_buttons_clicked t_click
check screenshot_listing_phone_390x844 t_phone
check screenshot_listing_desktop_1280x800 t_desktop
check screenshot_listing_dark_mode t_dark
check screenshot_index_phone_390x844 t_index_phone
if command -v wget >/dev/null; then
	check wget_mirror_byte_for_byte t_mirror
else
	echo "[  SKIPPED ] wget_mirror_byte_for_byte (wget not installed)"
fi

# ---- HTTPS: the same listing through TLS, in the browser ---------------------------
# A throw-away self-signed certificate; chromium is told to accept it.
start_tls_server() {
	local port i
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
		>/dev/null 2>&1 || return 1
	port=$(py free-port) || return 1
	"$BIN" -b 127.0.0.1 -p "$port" -d "$www" --tls-cert "$tmp/cert.pem" \
		--tls-key "$tmp/key.pem" >"$tmp/tls.out" 2>"$tmp/tls.log" </dev/null &
	tls_server_pid=$!
	for ((i = 0; i < 50; i++)); do
		if grep -q '^Serving HTTPS' "$tmp/tls.out" 2>/dev/null; then
			tls_base=https://127.0.0.1:$port
			return 0
		fi
		sleep 0.1
	done
	return 1
}
t_https_listing() {
	ran https_listing && py listing "$tmp/https_listing.out" /browse/ "$www/browse" &&
		grep -q '"GET /browse/ HTTP/1.1" 200' "$tmp/tls.log"
}
if "$BIN" --version | grep -q 'tls=on' && command -v openssl >/dev/null; then
	if start_tls_server; then
		chrome_start https_listing --ignore-certificate-errors --dump-dom "$tls_base/browse/"
		chrome_wait
		check https_listing_in_the_browser t_https_listing
	else
		failed_names+=(https_server_start)
	fi
	kill "$tls_server_pid" 2>/dev/null
	wait "$tls_server_pid" 2>/dev/null
else
	echo "[  SKIPPED ] https_listing_in_the_browser (no TLS in this build, or no openssl)"
fi

echo "[==========] $((passed + ${#failed_names[@]})) test(s) run in ${SECONDS} s."
echo "[  PASSED  ] $passed test(s)."
if [ "${#failed_names[@]}" -gt 0 ]; then
	echo "[  FAILED  ] ${#failed_names[@]} test(s), listed below:"
	printf '[  FAILED  ] %s\n' "${failed_names[@]}"
	echo "--- server log (last lines)"
	tail -n 20 "$tmp/server.log"
	exit 1
fi
exit 0
