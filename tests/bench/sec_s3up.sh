# tests/bench/sec_s3up.sh — `make bench` section s3up (BENCH_ONLY=s3up):
# one file of BENCH_UP_MB MiB (default 2048) uploaded to the stack's s3rver
#  - by the console's client (build/bench_s3up: lib/s3/s3c_mpu.c with its
#    defaults, 8 MiB parts, 4 in flight), by `aws s3 cp` and by `s3cmd put`
#    (each its own default multipart settings), BENCH_UP_ROUNDS rounds
#    (default 2) interleaved, each after a sync: the best wall time and that
#    round's CPU (user + system of the process and its children), ratios;
#  - in the console (tmux): p then y on the same file, and keys (j/k on the
#    Overview) every 50 ms while it uploads: p50/p99/max key-to-redraw.
# Goal: ahead of both on wall time, CPU at most half of awscli's.
# Sourced by tests/bench/run.sh with the stack's env, $DIR, $WORK, $MLC.
set -u
UPMB=${BENCH_UP_MB:-2048}
UW=$WORK/s3up
rm -rf "$UW"
mkdir -p "$UW"
s3_peers "$UW" # S3URL, awscli's env, $UW/s3cfg for s3cmd
echo "== S3 upload: a ${UPMB} MiB file to s3rver (multipart), beside aws s3 cp and s3cmd put"
head -c "$((UPMB << 20))" /dev/urandom >"$UW/model.bin"

# up TAG CMD...: one upload (after a sync, so that no writeback of the
# last one runs beside it): "TAG WALL_S CPU_S" into $UW/results
up() {
	local tag=$1
	shift
	sync
	local line
	line=$(python3 tests/bench/s3bench_measure.py -- "$@")
	local rc=$?
	read -r wall_ms cpu _ <<<"$line"
	if [ "$rc" != 0 ]; then
		echo "  $tag: failed (exit $rc)"
		return
	fi
	echo "$tag $(awk -v w="$wall_ms" 'BEGIN { printf "%.2f", w / 1000 }') $cpu" >>"$UW/results"
}
rmobj() { "$aws" --endpoint-url "$S3URL" s3 rm "s3://data/bench-up/$1" >/dev/null 2>&1; }

aws=$(command -v aws)
s3cmd=$(command -v s3cmd)
[ -z "$aws" ] && echo "  aws s3 cp: not installed"
[ -z "$s3cmd" ] && echo "  s3cmd put: not installed"
rounds=${BENCH_UP_ROUNDS:-2}
: >"$UW/results"
for r in $(seq 1 "$rounds"); do # interleaved: the machine's load falls on all alike
	up mlconsole build/bench_s3up "$S3URL" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" data \
		bench-up/mlc.bin "$UW/model.bin"
	[ -n "$aws" ] && up aws "$aws" --endpoint-url "$S3URL" s3 cp --only-show-errors \
		"$UW/model.bin" s3://data/bench-up/aws.bin
	[ -n "$s3cmd" ] && up s3cmd "$s3cmd" -c "$UW/s3cfg" --no-progress put "$UW/model.bin" \
		s3://data/bench-up/s3cmd.bin
done
for o in mlc.bin aws.bin s3cmd.bin; do rmobj "$o"; done
# best of the rounds (wall, and the CPU of that round), then the ratios
awk -v mb="$UPMB" -v rounds="$rounds" '
	!($1 in w) || $2 < w[$1] { w[$1] = $2; c[$1] = $3 }
	END {
		split("mlconsole aws s3cmd", order, " ")
		label["mlconsole"] = "mlconsole (lib/s3/s3c_mpu)"
		label["aws"] = "aws s3 cp"
		label["s3cmd"] = "s3cmd put"
		for (i = 1; i <= 3; i++) {
			n = order[i]
			if (n in w)
				printf "  %-28s wall %7.2f s   CPU %6.2f s   %5.0f MB/s   (best of %d)\n", label[n], w[n], c[n], mb * 1.048576 / w[n], rounds
		}
		if (("aws" in w) && ("mlconsole" in w))
			printf "  ratios: wall %.2fx of aws s3 cp (goal < 1), CPU %.2fx of its CPU (goal <= 0.5)\n", w["mlconsole"] / w["aws"], c["mlconsole"] / c["aws"]
		if (("s3cmd" in w) && ("mlconsole" in w))
			printf "  ratios: wall %.2fx of s3cmd put (goal < 1), CPU %.2fx of its CPU\n", w["mlconsole"] / w["s3cmd"], c["mlconsole"] / c["s3cmd"]
	}' "$UW/results"

# Keys while the console uploads the same file.
cp "$DIR/mlconsole.ini" "$UW/up.ini"
chmod 600 "$UW/up.ini"
: >"$UW/keys.txt"
tm new-session -d -s up -x 120 -y 40 \
	"MLC_KEY_TRACE=$UW/keys.txt $MLC -c $UW/up.ini --log $UW/up.log"
sleep 2
tm send-keys -t up ':buckets' Enter
tm send-keys -t up ':cd s3://data/bench-up/' Enter
sleep 1
tm send-keys -t up p
tm send-keys -t up -l "$UW/model.bin"
tm send-keys -t up Enter
sleep 0.5
tm send-keys -t up y
sleep 0.5
: >"$UW/keys.txt" # only the keys sent while it uploads
tm send-keys -t up 1
keys_while up "$UW/keys.txt" "$UW/up.log" 'CompleteMultipartUpload.*->' "the console's upload"
tm send-keys -t up q
sleep 0.3
tm send-keys -t up y 2>/dev/null # the console may be gone already
tm kill-session -t up 2>/dev/null
rmobj model.bin
rm -f "$UW/model.bin"

# PutObject below the multipart threshold (one request; the file read and
# hashed on the thread pool): a BENCH_PUT_MB MiB file (default 60) put with
# p then y, BENCH_PUT_ROUNDS times (default 3), the file dropped from the
# page cache before each (sync, then dd iflag=nocache: the reads go to the
# disk), keys j/k every 50 ms while it uploads: p50/p99/max key-to-redraw
# over the rounds (timed from when the console reads a key, so keys that
# wait in the terminal while the loop is stuck show as fewer redraws than
# keys sent: several read at once), each upload's time from y to its audit
# line (to the 50 ms the polling allows) and the read-and-hash part of it
# (debug log). Twice: the disk as it is, then a slow disk — the console in a
# cgroup v1 blkio group whose reads of that disk are throttled to
# BENCH_PUT_READ_MBS MB/s (default 20; root only, else said and skipped).
# BENCH_PUT_MLC=PATH runs another build (a before/after on the same stack).
PUTMB=${BENCH_PUT_MB:-60}
PUTMLC=${BENCH_PUT_MLC:-$MLC}
# put_rounds LABEL [CGROUP]: the rounds in a console of their own
put_rounds() {
	local cg=${2:-} join=""
	[ -n "$cg" ] && join="echo \$\$ >$cg/cgroup.procs && "
	: >"$UW/putkeys.txt"
	: >"$UW/putlog"
	: >"$UW/putkeys.all"
	tm new-session -d -s put -x 120 -y 40 \
		"${join}MLC_KEY_TRACE=$UW/putkeys.txt exec $PUTMLC -c $UW/up.ini --log $UW/putlog"
	sleep 2
	tm send-keys -t put ':buckets' Enter
	tm send-keys -t put ':cd s3://data/bench-put/' Enter
	sleep 1
	local putms="" r t0 i sent=0
	for r in $(seq 1 "${BENCH_PUT_ROUNDS:-3}"); do
		ln -f "$UW/put.bin" "$UW/put-$r.bin" # a new key each round, the same inode
		sync
		dd if="$UW/put.bin" iflag=nocache count=0 status=none
		tm send-keys -t put 2 p
		tm send-keys -t put -l "$UW/put-$r.bin"
		tm send-keys -t put Enter
		sleep 0.5
		: >"$UW/putkeys.txt"
		t0=$(date +%s%N)
		tm send-keys -t put y 1
		i=0
		while [ "$(grep -c "PUT s3://data/bench-put/put-$r.bin.*->" "$UW/putlog" 2>/dev/null)" = 0 ]; do
			if [ $((i % 2)) = 0 ]; then tm send-keys -t put j; else tm send-keys -t put k; fi
			i=$((i + 1))
			sleep 0.05
			[ $((($(date +%s%N) - t0) / 1000000000)) -gt 120 ] && { echo "  round $r did not end in 120 s"; break; }
		done
		putms="$putms $((($(date +%s%N) - t0) / 1000000))"
		sent=$((sent + i))
		cat "$UW/putkeys.txt" >>"$UW/putkeys.all"
		"$aws" --endpoint-url "$S3URL" s3 rm "s3://data/bench-put/put-$r.bin" >/dev/null 2>&1
		rm -f "$UW/put-$r.bin"
	done
	local n hashed
	n=$(wc -l <"$UW/putkeys.all")
	if [ "$n" -gt 0 ]; then
		q() { sort -n "$UW/putkeys.all" | awk -v p="$1" -v n="$n" 'BEGIN { k = int(n * p); if (k < 1) k = 1 } NR == k { printf "%.2f", $1 / 1000 }'; }
		echo "  $1 ($(grep -o "PUT s3://data/bench-put/.*-> [0-9]*" "$UW/putlog" | sed 's/ from .*->/ ->/' | tail -1)): $n redraws for $sent keys sent, p50 $(q 0.5) ms  p99 $(q 0.99) ms  max $(q 1.0) ms; y to the audit line (ms):$putms"
		hashed=$(grep -o 'bytes read and hashed on a worker thread in [0-9]* ms' "$UW/putlog" | awk '{ printf " %s", $(NF - 1) }')
		echo "    of which the read and SHA-256 on the thread pool (ms):${hashed:- none logged (a build before the move)}"
	else
		echo "  $1: no key samples"
	fi
	tm send-keys -t put q
	sleep 0.3
	tm send-keys -t put y 2>/dev/null # the console may be gone already
	tm kill-session -t put 2>/dev/null
}
echo "== S3 PutObject: a ${PUTMB} MiB file (below the threshold), keys while it uploads"
head -c "$((PUTMB << 20))" /dev/urandom >"$UW/put.bin"
put_rounds "disk as it is"
MBS=${BENCH_PUT_READ_MBS:-20}
CG=/sys/fs/cgroup/blkio/mlc-bench-put-$$
DEV=$(findmnt -no MAJ:MIN -T "$UW" | tr -d ' ')
if mkdir "$CG" 2>/dev/null && echo "$DEV $((MBS * 1000000))" >"$CG/blkio.throttle.read_bps_device" 2>/dev/null; then
	put_rounds "reads throttled to $MBS MB/s" "$CG"
else
	echo "  reads throttled to $MBS MB/s: skipped (needs root and cgroup v1 blkio on $DEV)"
fi
rmdir "$CG" 2>/dev/null
rm -f "$UW/put.bin"
