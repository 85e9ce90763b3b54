#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: figures printed beside their floor and
# beside the tool a user would otherwise run, measured in the same run.
#  1. idle cost of the console polling every target of the local stack every
#     2 s (CPU and RSS over 30 s), beside htop's idle cost (htop -d 20);
#  2. keypress-to-redraw latency with one extra target black-holed (accepts
#     TCP, never answers), and the time from `q` to exit;
#  3. sanitizer throughput beside strdup;
#  4. MLflow: 10,000 runs in one experiment (the simulator's --big-runs, and
#     the server of MLFLOW_TRACKING_URI when set, experiment
#     MLFLOW_BENCH_EXPERIMENT_ID): loading them page by page beside a minimal
#     libcurl + jansson loop, the heap per run, and in the console the time to
#     the full table, the first screen, and key-to-redraw while scrolling;
#  5. S3: a bucket of 100,000 keys in the stack's s3rver (BENCH_S3_KEYS):
#     listing every key beside a minimal libcurl loop (the floor) and beside
#     awscli, s3cmd, boto3 and a curl loop; du per prefix, sequential and
#     concurrent; then the same pages replayed by a static loopback server:
#     the client's CPU and peak RSS, floor and peers beside.
# BENCH_ONLY="s3 mlflow" runs only those sections (idle keys sanitize mlflow
# s3); BENCH_STACK_DIR=DIR uses that running stack (tests/stack/stack up)
# instead of starting one, and leaves it up.
set -u
cd "$(dirname "$0")/../.."
MLC=build/mlconsole
SECS=${BENCH_SECS:-30}
HZ=$(getconf CLK_TCK)
TMUX_SOCK=mlc-bench-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }

want() { [ -z "${BENCH_ONLY:-}" ] || [[ " ${BENCH_ONLY//,/ } " == *" $1 "* ]]; }

if [ -n "${BENCH_STACK_DIR:-}" ]; then
	DIR=$(cd "$BENCH_STACK_DIR" && pwd -P) || exit 1
	cleanup() { tm kill-server 2>/dev/null; }
else
	big=()
	if want mlflow; then big=(--big-runs 10000); fi
	DIR=$(tests/stack/stack up "${big[@]}" 2>/tmp/mlc-bench-stack.log | tail -1)
	[ -d "$DIR" ] || { echo "stack did not start: $(tail -5 /tmp/mlc-bench-stack.log)"; exit 1; }
	cleanup() { tm kill-server 2>/dev/null; tests/stack/stack down "$DIR" >/dev/null 2>&1; }
fi
trap cleanup EXIT
WORK=$DIR/bench
mkdir -p "$WORK"
export XDG_STATE_HOME=$WORK/state LC_ALL=C.UTF-8 TERM=xterm-256color

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

pane_pid() { tm list-panes -t "$1" -F '#{pane_pid}'; }
# pct P: the P quantile of $WORK/keys.txt (n lines), in ms
pct() { sort -n "$WORK/keys.txt" | awk -v p="$1" -v n="$n" 'BEGIN { k = int(n * p); if (k < 1) k = 1 } NR == k { printf "%.2f", $1 / 1000 }'; }
# s3_peers DIR: the stack's s3rver for the peers beside the console: S3URL,
# awscli's credentials in its environment (no config files read), and
# DIR/s3cfg for s3cmd.
s3_peers() {
	S3URL=http://127.0.0.1:$S3_PORT
	export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
	export AWS_DEFAULT_REGION=$S3_REGION AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	printf '[default]\naccess_key = %s\nsecret_key = %s\nhost_base = 127.0.0.1:%s\nhost_bucket = 127.0.0.1:%s\nuse_https = False\nsignature_v2 = False\nbucket_location = %s\n' \
		"$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$S3_PORT" "$S3_PORT" "$S3_REGION" >"$1/s3cfg"
}
# keys_while SESSION TRACE LOG PATTERN WHAT: sends j/k (every 50 ms) to the
# console in tmux session SESSION until LOG has a line matching PATTERN (600 s
# at most), then prints p50/p99/max key-to-redraw from TRACE (the console's
# MLC_KEY_TRACE file, emptied by the caller when the work starts) and what
# the matching line says after its "-> ": "  keys during WHAT (...): ...".
keys_while() {
	local s=$1 trace=$2 log=$3 pat=$4 what=$5 t0 i=0
	t0=$(date +%s)
	while ! grep -q "$pat" "$log" 2>/dev/null; do
		if [ $((i % 2)) = 0 ]; then tm send-keys -t "$s" j; else tm send-keys -t "$s" k; fi
		i=$((i + 1))
		sleep 0.05
		[ $(($(date +%s) - t0)) -gt 600 ] && { echo "  $what did not end in 600 s"; break; }
	done
	n=$(wc -l <"$trace")
	if [ "$n" -gt 0 ]; then
		cp "$trace" "$WORK/keys.txt" # pct() reads it
		echo "  keys during $what ($(grep "$pat" "$log" | tail -1 | sed 's/.*-> //' | cut -c1-60)): $n keys, p50 $(pct 0.5) ms  p99 $(pct 0.99) ms  max $(pct 1.0) ms"
	else
		echo "  no key samples"
	fi
}

if want idle; then
ntargets=$(grep '^\[' "$DIR/mlconsole.ini" | grep -Evc '^\[(general|action)( |\])')
echo "== idle cost over ${SECS}s: mlconsole polling $ntargets targets every 2 s, htop -d 20 beside it"
tm new-session -d -s mlc -x 120 -y 40 "$MLC -c $DIR/mlconsole.ini"
tm new-session -d -s htop -x 120 -y 40 "htop -d 20"
sleep 5 # warm-up: first polls, connections established
MPID=$(pane_pid mlc)
HPID=$(pane_pid htop)
m0=$(ticks "$MPID")
h0=$(ticks "$HPID")
sleep "$SECS"
m1=$(ticks "$MPID")
h1=$(ticks "$HPID")
mcpu=$(awk -v a="$m0" -v b="$m1" -v s="$SECS" -v hz="$HZ" 'BEGIN {printf "%.2f", (b - a) * 100 / (s * hz)}')
hcpu=$(awk -v a="$h0" -v b="$h1" -v s="$SECS" -v hz="$HZ" 'BEGIN {printf "%.2f", (b - a) * 100 / (s * hz)}')
printf "  %-28s CPU %6s%%   peak RSS %6s KB\n" "mlconsole" "$mcpu" "$(rss_kb "$MPID")"
printf "  %-28s CPU %6s%%   peak RSS %6s KB\n" "htop -d 20 (peer)" "$hcpu" "$(rss_kb "$HPID")"
tm send-keys -t mlc q
tm kill-session -t htop
fi

if want keys; then
echo "== keypress-to-redraw with one target black-holed"
BH=$(tests/stack/stack blackhole "$DIR" | tail -1)
cp "$DIR/mlconsole.ini" "$WORK/bh.ini"
printf '\n[mlflow blackhole]\nurl = http://127.0.0.1:%s\ntimeout = 30s\n' "$BH" >>"$WORK/bh.ini"
chmod 600 "$WORK/bh.ini"
tm new-session -d -s bh -x 120 -y 40 "MLC_KEY_TRACE=$WORK/keys.txt $MLC -c $WORK/bh.ini"
sleep 3
for i in $(seq 1 100); do
	if [ $((i % 2)) = 0 ]; then tm send-keys -t bh j; else tm send-keys -t bh k; fi
	sleep 0.05
done
sleep 0.5
n=$(wc -l <"$WORK/keys.txt")
if [ "$n" -gt 0 ]; then
	echo "  $n keys: p50 $(pct 0.5) ms  p95 $(pct 0.95) ms  max $(pct 1.0) ms  (target: < 50 ms)"
else
	echo "  no key samples"
fi
MPID=$(pgrep -f -n "^$MLC -c $WORK/bh.ini")
t0=$(date +%s%N)
tm send-keys -t bh q
while [ -r "/proc/$MPID/stat" ] && [ "$(awk '{print $3}' "/proc/$MPID/stat" 2>/dev/null)" != Z ]; do sleep 0.005; done
t1=$(date +%s%N)
echo "  q to exit: $(((t1 - t0) / 1000000)) ms (target: < 1000 ms)"
fi

if want sanitize; then
echo "== sanitizer"
build/bench_sanitize | sed 's/^/  /'
fi

if want mlflow; then
echo "== MLflow: 10,000 runs in one experiment (simulator), best of 3, floor = libcurl + jansson"
# shellcheck disable=SC1091
. "$DIR/env"
build/bench_mlflow "http://127.0.0.1:$MLFLOW_PORT" 5 3 | sed 's/^/  /'
if [ -n "${MLFLOW_TRACKING_URI:-}" ]; then
	echo "== MLflow: $MLFLOW_TRACKING_URI, experiment ${MLFLOW_BENCH_EXPERIMENT_ID:-1}"
	build/bench_mlflow "$MLFLOW_TRACKING_URI" "${MLFLOW_BENCH_EXPERIMENT_ID:-1}" 3 | sed 's/^/  /'
fi
echo "== MLflow in the console: :runs perf-big (first page 100, then 1000 a page)"
rm -f "$WORK/runs.log" "$WORK/runkeys.txt"
tm new-session -d -s runs -x 120 -y 40 "MLC_KEY_TRACE=$WORK/runkeys.txt $MLC -c $DIR/mlconsole.ini --log $WORK/runs.log"
sleep 2
: >"$WORK/runkeys.txt"
tm send-keys -t runs ':runs perf-big' Enter
for i in $(seq 1 100); do
	grep -q 'runs of experiment 5 in' "$WORK/runs.log" 2>/dev/null && break
	sleep 0.1
done
loaded=$(sed -n 's/.*mlflow: \([0-9]*\) runs of experiment 5 in \([0-9]*\) ms.*/\1 runs in \2 ms/p' "$WORK/runs.log" | tail -1)
echo "  full table: ${loaded:-not loaded}  (the :runs key to the last page parsed; floor above)"
sleep 0.5
: >"$WORK/runkeys.txt"
for i in $(seq 1 100); do
	if [ $((i % 10)) = 0 ]; then tm send-keys -t runs NPage; else tm send-keys -t runs j; fi
	sleep 0.03
done
sleep 0.5
n=$(wc -l <"$WORK/runkeys.txt")
if [ "$n" -gt 0 ]; then
	cp "$WORK/runkeys.txt" "$WORK/keys.txt" # pct() above reads keys.txt
	echo "  scrolling 10,000 runs: $n redraws, key to redraw p50 $(pct 0.5) ms  p95 $(pct 0.95) ms  max $(pct 1.0) ms  (target: < 2 ms a frame)"
fi
rss=$(rss_kb "$(pane_pid runs)")
echo "  console peak RSS with 10,000 runs loaded: $rss KB"
tm kill-session -t runs
fi

if want s3; then
	# shellcheck disable=SC1091
	. "$DIR/env"
	( . tests/bench/s3.sh )
fi

# Sections of their own: tests/bench/sec_NAME.sh runs when NAME is wanted
# (BENCH_ONLY="NAME"), with the stack's environment and $DIR, $WORK, $MLC.
for sec in tests/bench/sec_*.sh; do
	[ -e "$sec" ] || continue
	name=$(basename "$sec" .sh)
	name=${name#sec_}
	if want "$name"; then
		# shellcheck disable=SC1091
		( . "$DIR/env" && . "$sec" )
	fi
done
