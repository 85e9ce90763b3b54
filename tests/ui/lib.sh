# tests/ui/lib.sh — helpers for the shell suites: "ok NAME" / "not ok NAME"
# lines (counted by tests/run.sh), the stack's env, and the screen normalizer.
set -u
MLC=${1:?usage: $0 path/to/mlconsole}
STACK=${MLC_STACK_DIR:?MLC_STACK_DIR not set: run tests/stack/stack up}
# shellcheck disable=SC1091
. "$STACK/env"
CFG=$STACK/mlconsole.ini
WORK=$(mktemp -d /tmp/mlc-ui.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_STATE_HOME=$WORK/state
export LC_ALL=C.UTF-8
export TERM=xterm-256color
unset NO_COLOR

ok() { echo "ok $1"; }
notok() {
	echo "not ok $1"
	shift
	[ $# -gt 0 ] && printf '  %s\n' "$@"
	return 0
}

# Sets a simulator's mode through its control endpoint (ok, error500, hang, hostile).
sim_mode() {
	local port=$1 mode=$2
	curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/__sim/set?mode=$mode"
}

# Dates and times on screen are the stack's pinned ones (tests/stack/
# s3seed.py), shown in UTC whatever the machine's zone.
export TZ=UTC

# Masks what changes from run to run: the clock, latencies, ages, sparkline
# and chart dots, retry countdowns, the minor versions of the Debian
# PostgreSQL and OpenSSH packages the machine happens to have.
# For screens of S3 objects a test writes itself (stamped with the time it
# ran; the stack's seeded objects and buckets have pinned dates), and of the
# Ray simulator's fixed timeline seen from today (uptimes and running jobs'
# durations of days, "18d20h": same width).
mask_dates() {
	perl -CSD -pe '
		s/\b\d\dd\d\dh\b/DDdHHh/g;
		s/\b\d{4}-\d\d-\d\d\b/YYYY-MM-DD/g;
		s/\b\d\d-\d\d \d\d:\d\d\b/MM-DD HH:MM/g;
		s/YYYY-MM-DD \d\d:\d\d:\d\d\b/YYYY-MM-DD HH:MM:SS/g;
		s/YYYY-MM-DD \d\d:\d\d\b/YYYY-MM-DD HH:MM/g;
	'
}

normalize() {
	perl -CSD -pe '
		s/(?<!\d{4}-\d\d-\d\d )\d{2}:\d{2}:\d{2}/HH:MM:SS/g;
		s/ *\d+(\.\d+)? (ms|s)( |$)/ LAT$3/g;
		s/(down|since) \d+[smhd](\d+[smhd])? */$1 AGE /g;
		s/retry in \d+s/retry in Ns/g;
		s/\d+ polls/N polls/g;
		s/\d+ failed polls/N failed polls/g;
		s/[\x{2581}-\x{2588}\x{d7}\x{2219}]/ /g;
		s/[\x{2800}-\x{28ff}]/ /g;
		s/127\.0\.0\.1:\d+/127.0.0.1:PORT/g;
		s/\b15\.\d\d\b/15.NN/g;
		s/deb12u\d+/deb12uN/g;
		s/[a-z_][a-z0-9_-]*\@127/USER\@127/g;
		s{/tmp/mlc-[a-z]+\.\w+}{/TMP}g;
		s/min [-\d.e+]+  max [-\d.e+]+  last [-\d.e+]+/min N  max N  last N/;
		s/^ *[-\d.e+]* *\x{2502}(?!.*\x{2502})/ N  \x{2502}/;
		s/^ *\x{2514}\x{2500}+ *$/ X-AXIS-LINE/;
		s/^\s+-?[\d.e+]+\s.*ago$/ X-AXIS/;
		s/ {2,}HH:MM:SS$/  HH:MM:SS/;
		s/SHA256:[A-Za-z0-9+\/]+/SHA256:FINGERPRINT/g;
		s{/TMP/[\w.]+\.known_hosts}{/TMP/KNOWN_HOSTS}g;
		s/ +$//;
	'
}
