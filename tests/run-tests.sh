#!/bin/sh
# Runs each cmocka test binary given, shows its output, and ends with one
# line that adds them all up, so a run that executed nothing is visible.
# Skipped tests (cmocka's "[  SKIPPED ] n test(s)", the browser tests
# without their browser) are added up too, and shown when there are any.
passed=0
failed=0
skipped=0
crashed=""
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	# A binary that dies before cmocka's summary must not look green.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		crashed="$crashed $t(exit $rc)"
	fi
done
[ -n "$crashed" ] && echo "test binaries that exited abnormally:$crashed"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
