#!/usr/bin/env bash
# tests/run.sh — every suite, in order: unit tests, the simulators' own
# checks, then (with the local stack up) client integration tests, CLI tests
# and screen tests; then the same C suites again under ASan+UBSan.
# The last line is "N passed, N failed" (what CI reads).
set -u
cd "$(dirname "$0")/.."
PASSED=0
FAILED=0
LOG=${TEST_LOG_DIR:-$(mktemp -d /tmp/mlc-test.XXXXXX)}
export TEST_LOG_DIR=$LOG

note() { printf '\n== %s\n' "$*"; }

# Counts a Criterion run from its "Synthesis" line; a run that died without
# one counts as one failure.
criterion() {
	local name=$1
	shift
	local out="$LOG/$name.log"
	"$@" --jobs 2 >"$out" 2>&1
	local rc=$?
	local syn
	syn=$(grep -a 'Synthesis:' "$out" | tail -1)
	if [ -z "$syn" ]; then
		echo "$name: no summary (exit $rc); see $out"
		tail -20 "$out"
		FAILED=$((FAILED + 1))
		return
	fi
	local pass fail crash
	pass=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	fail=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	crash=$(echo "$syn" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	# Criterion passes a test whose process a sanitizer reported on at exit
	# (leaks): count every such report as a failure.
	local san
	san=$(grep -a -c -E 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$out")
	if [ "$san" != 0 ]; then
		echo "$name: $san sanitizer report(s):"
		grep -a -E -A8 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$out" | head -40
		fail=$((fail + san))
		pass=$((pass > san ? pass - san : 0))
	fi
	PASSED=$((PASSED + pass))
	FAILED=$((FAILED + fail))
	echo "$name: $pass passed, $fail failed ($crash crashed)"
	if [ "$fail" != 0 ]; then grep -a -E '\[(FAIL|----)\]' "$out" | head -40; fi
}

# Counts a python unittest run ("Ran N tests", "FAILED (failures=F, errors=E)").
pyunit() {
	local name=$1
	shift
	local out="$LOG/$name.log"
	"$@" >"$out" 2>&1
	local rc=$?
	local ran bad
	ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$out" | tail -1)
	bad=$(sed -n 's/^FAILED (\(.*\))/\1/p' "$out" | grep -o '[0-9]\+' | awk '{s+=$1} END {print s+0}')
	ran=${ran:-0}
	bad=${bad:-0}
	if [ "$ran" = 0 ] || { [ "$rc" != 0 ] && [ "$bad" = 0 ]; }; then bad=$((bad + 1)); fi
	PASSED=$((PASSED + ran - (bad > ran ? ran : bad)))
	FAILED=$((FAILED + bad))
	echo "$name: $((ran - (bad > ran ? ran : bad))) passed, $bad failed"
	if [ "$bad" != 0 ]; then tail -30 "$out"; fi
}

# Counts a shell suite that prints "ok NAME" / "not ok NAME" lines.
tapish() {
	local name=$1
	shift
	local out="$LOG/$name.log"
	"$@" >"$out" 2>&1
	local p f
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then f=1; fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	echo "$name: $p passed, $f failed"
	if [ "$f" != 0 ]; then grep -A12 '^not ok ' "$out" | head -80; fi
}

STACK=""
stop_stack() { if [ -n "$STACK" ]; then tests/stack/stack down "$STACK" >/dev/null 2>&1; STACK=""; fi; }
trap stop_stack EXIT

note "unit tests"
criterion unit build/unit_tests

note "simulators against the captures"
pyunit sims python3 tests/stack/sim/check_sims.py
pyunit sims2 python3 tests/stack/sim/check_sims2.py

note "local stack"
if STACK=$(tests/stack/stack up 2>"$LOG/stack-up.log" | tail -1) && [ -d "$STACK" ]; then
	export MLC_STACK_DIR=$STACK
	echo "stack up in $STACK"
	note "integration tests"
	criterion integ build/integ_tests
	note "command line and check"
	tapish cli bash tests/ui/cli.sh build/mlconsole
	note "screen tests"
	tapish screens bash tests/ui/screens.sh build/mlconsole
	note "end-to-end in tmux"
	tapish tmux bash tests/ui/tmux.sh build/mlconsole
else
	echo "the local stack did not start:"
	tail -30 "$LOG/stack-up.log"
	FAILED=$((FAILED + 1))
	STACK=""
fi

if [ "${SKIP_ASAN:-0}" != 1 ]; then
	note "ASan+UBSan build"
	if make --no-print-directory asan >"$LOG/asan-build.log" 2>&1; then
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		criterion unit-asan build-asan/unit_tests
		if [ -n "$STACK" ]; then
			criterion integ-asan build-asan/integ_tests
			tapish cli-asan bash tests/ui/cli.sh build-asan/mlconsole
			tapish screens-asan bash tests/ui/screens.sh build-asan/mlconsole
			tapish tmux-asan bash tests/ui/tmux.sh build-asan/mlconsole
		fi
	else
		echo "ASan build failed:"
		tail -20 "$LOG/asan-build.log"
		FAILED=$((FAILED + 1))
	fi
fi

# `stack down` stops every server the stack started: afterwards none of its
# ports is listened on (a server whose argv does not name the stack's
# folder used to be left running: redis retitles itself).
if [ -n "$STACK" ]; then
	note "the stack stops whole"
	ports=$(cat "$STACK"/ports/* 2>/dev/null)
	stop_stack
	left=""
	for p in $ports; do
		awk -v h="$(printf ':%04X' "$p")" '$4 == "0A" && substr($2, length($2) - 4) == h { f = 1 }
			END { exit !f }' /proc/net/tcp && left="$left $p"
	done
	if [ -z "$ports" ]; then
		echo "stack down: no ports recorded"
		FAILED=$((FAILED + 1))
	elif [ -n "$left" ]; then
		echo "stack down: still listened on after it:$left"
		FAILED=$((FAILED + 1))
	else
		echo "stack down: $(wc -w <<<"$ports") ports, none listened on after it"
		PASSED=$((PASSED + 1))
	fi
fi
stop_stack
echo
echo "logs in $LOG"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
