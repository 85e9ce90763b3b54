# tests/bench/sec_s3get.sh — `make bench` section s3get (BENCH_ONLY=s3get):
# one object of BENCH_GET_MB MiB (default 2048) in the stack's s3rver,
# downloaded
#  - by the console's client (build/bench_s3get: lib/s3/s3c_range.c with its
#    defaults: HeadObject, 16 MiB ranged GETs, 4 in flight, written off the
#    loop, the MD5 checked against the ETag), by `aws s3 cp` and by
#    `s3cmd get` (each with its defaults), BENCH_GET_ROUNDS rounds (default
#    2) interleaved, each after a sync: the best wall time and that round's
#    CPU (user + system of the process and its children), the ratios, and
#    the CPU of the MD5 alone (openssl dgst -md5 of the same file: the
#    verification awscli does not do);
#  - in the console (tmux): d on the object, and keys (j/k on the Overview)
#    every 50 ms while it downloads: p50/p99/max key-to-redraw.
# Goal: ahead of both on wall time, CPU at most half of awscli's.
# Sourced by tests/bench/run.sh with the stack's env, $DIR, $WORK, $MLC.
set -u
GETMB=${BENCH_GET_MB:-2048}
GW=$WORK/s3get
rm -rf "$GW"
mkdir -p "$GW"
S3URL=http://127.0.0.1:$S3_PORT
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export AWS_DEFAULT_REGION=$S3_REGION AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
echo "== S3 download: a ${GETMB} MiB object from s3rver, beside aws s3 cp and s3cmd get"
aws=$(command -v aws)
s3cmd=$(command -v s3cmd)
[ -z "$aws" ] && echo "  aws s3 cp: not installed (needed to put the object too)"
head -c "$((GETMB << 20))" /dev/urandom >"$GW/src.bin"
"$aws" --endpoint-url "$S3URL" s3 cp --only-show-errors "$GW/src.bin" s3://data/bench-get/model.bin
etag=$("$aws" --endpoint-url "$S3URL" s3api head-object --bucket data --key bench-get/model.bin \
	--query ETag --output text 2>/dev/null)
echo "  object: s3://data/bench-get/model.bin, ETag $etag ($(case $etag in *-*) echo "multipart: size checked" ;; *) echo "plain MD5: checked" ;; esac))"
printf '[default]\naccess_key = %s\nsecret_key = %s\nhost_base = 127.0.0.1:%s\nhost_bucket = 127.0.0.1:%s\nuse_https = False\nsignature_v2 = False\nbucket_location = %s\n' \
	"$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$S3_PORT" "$S3_PORT" "$S3_REGION" >"$GW/s3cfg"

# get TAG OUT CMD...: one download into OUT (removed first, then a sync so
# that no writeback of the last one runs beside it): "TAG WALL_S CPU_S"
get() {
	local tag=$1 out=$2
	shift 2
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
	echo "$tag $(awk -v w="$wall_ms" 'BEGIN { printf "%.2f", w / 1000 }') $cpu" >>"$GW/results"
}
rounds=${BENCH_GET_ROUNDS:-2}
: >"$GW/results"
for r in $(seq 1 "$rounds"); do # interleaved: the machine's load falls on all alike
	get mlconsole "$GW/mlc.bin" build/bench_s3get "$S3URL" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" \
		data bench-get/model.bin "$GW/mlc.bin"
	[ -n "$aws" ] && get aws "$GW/aws.bin" "$aws" --endpoint-url "$S3URL" s3 cp \
		--only-show-errors s3://data/bench-get/model.bin "$GW/aws.bin"
	[ -n "$s3cmd" ] && get s3cmd "$GW/s3cmd.bin" "$s3cmd" -c "$GW/s3cfg" --no-progress get \
		s3://data/bench-get/model.bin "$GW/s3cmd.bin"
done
rm -f "$GW/aws.bin" "$GW/s3cmd.bin" "$GW/mlc.bin"
md5cpu=$(python3 tests/bench/s3bench_measure.py -- openssl dgst -md5 "$GW/src.bin" | awk '{print $2}')
awk -v mb="$GETMB" -v rounds="$rounds" -v md5="$md5cpu" '
	!($1 in w) || $2 < w[$1] { w[$1] = $2; c[$1] = $3 }
	END {
		split("mlconsole aws s3cmd", order, " ")
		label["mlconsole"] = "mlconsole (lib/s3/s3c_range)"
		label["aws"] = "aws s3 cp"
		label["s3cmd"] = "s3cmd get"
		for (i = 1; i <= 3; i++) {
			n = order[i]
			if (n in w)
				printf "  %-30s wall %7.2f s   CPU %6.2f s   %5.0f MB/s   (best of %d)\n", label[n], w[n], c[n], mb * 1.048576 / w[n], rounds
		}
		printf "  %-30s                 CPU %6.2f s   (in the console'"'"'s CPU above; awscli does not verify)\n", "the MD5 alone (openssl)", md5
		if (("aws" in w) && ("mlconsole" in w))
			printf "  ratios: wall %.2fx of aws s3 cp (goal < 1), CPU %.2fx of its CPU (goal <= 0.5; %.2fx without the MD5)\n", w["mlconsole"] / w["aws"], c["mlconsole"] / c["aws"], (c["mlconsole"] - md5) / c["aws"]
		if (("s3cmd" in w) && ("mlconsole" in w))
			printf "  ratios: wall %.2fx of s3cmd get (goal < 1), CPU %.2fx of its CPU\n", w["mlconsole"] / w["s3cmd"], c["mlconsole"] / c["s3cmd"]
	}' "$GW/results"

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
t0=$(date +%s)
i=0
while ! grep -q 'GET s3://data/bench-get/model.bin to .* -> ' "$GW/get.log" 2>/dev/null; do
	if [ $((i % 2)) = 0 ]; then tm send-keys -t get j; else tm send-keys -t get k; fi
	i=$((i + 1))
	sleep 0.05
	[ $(($(date +%s) - t0)) -gt 600 ] && { echo "  the console's download did not end in 600 s"; break; }
done
n=$(wc -l <"$GW/keys.txt")
if [ "$n" -gt 0 ]; then
	q() { sort -n "$GW/keys.txt" | awk -v p="$1" -v n="$n" 'BEGIN { k = int(n * p); if (k < 1) k = 1 } NR == k { printf "%.2f", $1 / 1000 }'; }
	echo "  keys during the console's download ($(grep -o 'GET s3://data/bench-get/model.bin to .* -> .*' "$GW/get.log" | tail -1 | sed 's/.* -> //' | cut -c1-40)): $n keys, p50 $(q 0.5) ms  p99 $(q 0.99) ms  max $(q 1.0) ms"
else
	echo "  no key samples"
fi
cmp -s "$GW/console.bin" "$GW/src.bin" || echo "  the console's file is not the object"
tm send-keys -t get q
sleep 0.3
tm send-keys -t get y
tm kill-session -t get 2>/dev/null
"$aws" --endpoint-url "$S3URL" s3 rm --only-show-errors s3://data/bench-get/model.bin
rm -f "$GW/src.bin" "$GW/console.bin"
