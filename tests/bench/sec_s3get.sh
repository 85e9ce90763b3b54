# tests/bench/sec_s3get.sh — `make bench` section s3get (BENCH_ONLY=s3get):
# a file of BENCH_GET_MB MiB (default 2048) put into the stack's s3rver twice:
#  - model.bin by `aws s3 cp`, a multipart upload as awscli, mc, boto3 and
#    the console store every large artifact (ETag "MD5-of-part-MD5s-N", as
#    S3 and MinIO give it: a download is verified by its size, there is no
#    MD5 to compute);
#  - single.bin by `aws s3api put-object`, one PUT (ETag the plain MD5: the
#    console verifies the MD5 of what it wrote).
# BENCH_GET_ROUNDS rounds (default 3) interleaved, each download after a
# sync: the console's client (build/bench_s3get: lib/s3/s3c_range.c with
# its defaults) on model.bin, `aws s3 cp` and `s3cmd get` (their defaults)
# on model.bin, the console on single.bin. Printed: the medians of wall time
# and CPU (user + system of the process and its children), the medians of
# the per-round ratios (each round's figures side by side, so that a load
# that comes and goes falls on all alike), and the CPU of the MD5 alone
# (openssl dgst -md5 of the same file).
# Then, in the console (tmux): d on model.bin, and keys (j/k on the
# Overview) every 50 ms while it downloads: p50/p99/max key-to-redraw.
# Goal: ahead of both on wall time, CPU at most half of awscli's.
# Sourced by tests/bench/run.sh with the stack's env, $DIR, $WORK, $MLC.
set -u
GETMB=${BENCH_GET_MB:-2048}
GW=$WORK/s3get
rm -rf "$GW"
mkdir -p "$GW"
s3_peers "$GW" # S3URL, awscli's env, $GW/s3cfg for s3cmd
echo "== S3 download: a ${GETMB} MiB object from s3rver, beside aws s3 cp and s3cmd get"
aws=$(command -v aws)
s3cmd=$(command -v s3cmd)
[ -z "$aws" ] && echo "  aws s3 cp: not installed (needed to put the object too)"
head -c "$((GETMB << 20))" /dev/urandom >"$GW/src.bin"
"$aws" --endpoint-url "$S3URL" s3 cp --only-show-errors "$GW/src.bin" s3://data/bench-get/model.bin
"$aws" --endpoint-url "$S3URL" s3api put-object --bucket data --key bench-get/single.bin \
	--body "$GW/src.bin" >/dev/null
for k in model single; do
	etag=$("$aws" --endpoint-url "$S3URL" s3api head-object --bucket data \
		--key "bench-get/$k.bin" --query ETag --output text 2>/dev/null)
	echo "  s3://data/bench-get/$k.bin: ETag $etag ($(case $etag in *-*) echo "multipart: the size is checked" ;; *) echo "plain MD5: the MD5 is checked" ;; esac))"
done

# get ROUND TAG OUT CMD...: one download into OUT (removed first, then a
# sync so that no writeback of the last one runs beside it): "ROUND TAG
# WALL_S CPU_S" into $GW/results
get() {
	local round=$1 tag=$2 out=$3
	shift 3
	rm -f "$out"
	sync
	local line
	line=$(python3 tests/bench/s3bench_measure.py -- "$@")
	local rc=$?
	read -r wall_ms cpu _ <<<"$line"
	if [ "$rc" != 0 ] || ! cmp -s "$out" "$GW/src.bin"; then
		echo "  $tag: failed (exit $rc, or not the object)"
		return
	fi
	echo "$round $tag $(awk -v w="$wall_ms" 'BEGIN { printf "%.2f", w / 1000 }') $cpu" >>"$GW/results"
	rm -f "$out"
}
rounds=${BENCH_GET_ROUNDS:-3}
: >"$GW/results"
for r in $(seq 1 "$rounds"); do # interleaved: the machine's load falls on all alike
	get "$r" mlc "$GW/mlc.bin" build/bench_s3get "$S3URL" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" \
		data bench-get/model.bin "$GW/mlc.bin"
	[ -n "$aws" ] && get "$r" aws "$GW/aws.bin" "$aws" --endpoint-url "$S3URL" s3 cp \
		--only-show-errors s3://data/bench-get/model.bin "$GW/aws.bin"
	[ -n "$s3cmd" ] && get "$r" s3cmd "$GW/s3cmd.bin" "$s3cmd" -c "$GW/s3cfg" --no-progress get \
		s3://data/bench-get/model.bin "$GW/s3cmd.bin"
	get "$r" mlc_md5 "$GW/mlc.bin" build/bench_s3get "$S3URL" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" \
		data bench-get/single.bin "$GW/mlc.bin"
done
md5cpu=$(python3 tests/bench/s3bench_measure.py -- openssl dgst -md5 "$GW/src.bin" | awk '{print $2}')
awk -v mb="$GETMB" -v rounds="$rounds" -v md5="$md5cpu" -f tests/bench/s3get_report.awk "$GW/results"
"$aws" --endpoint-url "$S3URL" s3 rm --only-show-errors s3://data/bench-get/single.bin

# Keys while the console downloads the same object.
cp "$DIR/mlconsole.ini" "$GW/get.ini"
chmod 600 "$GW/get.ini"
: >"$GW/keys.txt"
tm new-session -d -s get -x 120 -y 40 \
	"MLC_KEY_TRACE=$GW/keys.txt $MLC -c $GW/get.ini --log $GW/get.log"
sleep 2
tm send-keys -t get ':buckets' Enter
tm send-keys -t get ':cd s3://data/bench-get/' Enter
sleep 1
tm send-keys -t get G d C-u
tm send-keys -t get -l "$GW/console.bin"
tm send-keys -t get Enter
sleep 0.3
: >"$GW/keys.txt" # only the keys sent while it downloads
tm send-keys -t get 1
keys_while get "$GW/keys.txt" "$GW/get.log" 'GET s3://data/bench-get/model.bin to .* -> ' \
	"the console's download"
cmp -s "$GW/console.bin" "$GW/src.bin" || echo "  the console's file is not the object"
tm send-keys -t get q 2>/dev/null
sleep 0.3
tm send-keys -t get y 2>/dev/null
tm kill-session -t get 2>/dev/null
"$aws" --endpoint-url "$S3URL" s3 rm --only-show-errors s3://data/bench-get/model.bin
rm -f "$GW/src.bin" "$GW/console.bin"
