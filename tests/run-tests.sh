#!/bin/sh
# Runs each cmocka test binary given, shows its output, and ends with one
# line that adds them all up, so a run that executed nothing, or a test
# that skipped (a tool not installed, not root), is visible.
passed=0
failed=0
skipped=0
crashed=""
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	k=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + k))
	# A binary that dies before cmocka's summary must not look green.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		crashed="$crashed $t(exit $rc)"
	fi
done
[ -n "$crashed" ] && echo "test binaries that exited abnormally:$crashed"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
