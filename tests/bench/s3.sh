# tests/bench/s3.sh — section 5 of tests/bench/run.sh (sourced in a
# subshell, with DIR the stack, WORK its bench folder and the stack's env
# loaded): listing a bucket of BENCH_S3_KEYS (100,000) keys.
#  - The bucket: tests/bench/s3bench_seed.py writes s3rver's on-disk layout
#    (seconds, where 100,000 PUTs take many minutes) once, into
#    BENCH_S3_CACHE (build/s3bench), reseeding when the seeder changes; the
#    stack's s3rver sees it as s3://bench through a symlink in its directory.
#  - Against the stack's s3rver: build/bench_s3 list (the console's walk
#    and the floor, paired page by page, BENCH_S3_ROUNDS rounds), then the
#    peers (BENCH_S3_PEERS: aws s3cmd boto3 curl) each walking the same
#    bucket; then du per top-level prefix (build/bench_s3 du).
#  - Replay: the floor's pages, captured during the listing, served by
#    tests/bench/s3replay.py: the clients' own CPU and peak RSS; the
#    console's CPU as a ratio to the libcurl + expat floor, the median of
#    BENCH_S3_CPU_ROUNDS (9) paired rounds (target <= 1.2x).
#  - In the console: the first page of BENCH_S3_FIRST (6) prefixes on
#    screen, each beside the same request by libcurl + expat just before
#    and after it; the median difference and ratio (target <= +20 ms).
# s3rver 5 signs a bucket's path as /bucket whatever was sent, and s3cmd
# sends /bucket/: s3cmd walks a second s3rver on the same directory started
# with --allow-mismatched-signatures (same code, same data, same cost).
set -u
S3K=${BENCH_S3_KEYS:-100000}
S3ROUNDS=${BENCH_S3_ROUNDS:-2}
S3PEERS=${BENCH_S3_PEERS:-aws s3cmd boto3 curl}
S3URL=http://127.0.0.1:$S3_PORT
S3W=$WORK/s3
rm -rf "$S3W"
mkdir -p "$S3W/pages" "$S3W/home"
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
export AWS_REGION=$S3_REGION AWS_DEFAULT_REGION=$S3_REGION
# The peers read only what is written here: no ~/.aws, no instance metadata.
export AWS_CONFIG_FILE=$S3W/home/aws-config AWS_SHARED_CREDENTIALS_FILE=$S3W/home/none
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
printf '[default]\nregion = %s\ns3 =\n    addressing_style = path\n' "$S3_REGION" >"$AWS_CONFIG_FILE"

S3PIDS=()
s3_stop() {
	local p
	for p in "${S3PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	S3PIDS=()
}
trap s3_stop EXIT

echo "== S3: s3://bench, $S3K keys (raw/ 60%, features/ 30%, models/ 10%), pages of 1000"

# ---- the bucket
CACHE=${BENCH_S3_CACHE:-build/s3bench}/keys-$S3K
stamp=$(md5sum tests/bench/s3bench_seed.py | cut -c1-32)
if [ "$(cat "$CACHE/stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$CACHE"
	mkdir -p "$CACHE"
	python3 tests/bench/s3bench_seed.py --root "$CACHE" --bucket bench --keys "$S3K" \
		--manifest "$CACHE/manifest.json" | sed 's/^/  /' || exit 1
	echo "$stamp" >"$CACHE/stamp"
else
	echo "  seeded before: $CACHE (s3bench_seed.py unchanged)"
fi
if [ -e "$DIR/s3/bench" ] && [ ! -L "$DIR/s3/bench" ]; then
	echo "  $DIR/s3/bench exists and is not the bench's link: not touching it"
	exit 1
fi
ln -sfn "$(cd "$CACHE" && pwd -P)/bench" "$DIR/s3/bench"
export S3BENCH_MANIFEST=$CACHE/manifest.json

# ---- peers: which are there
aws_bin= s3cmd_bin= boto_py=
for c in /usr/bin/aws "$(command -v aws 2>/dev/null)"; do [ -x "$c" ] && { aws_bin=$c; break; }; done
for c in /usr/bin/s3cmd "$(command -v s3cmd 2>/dev/null)"; do [ -x "$c" ] && { s3cmd_bin=$c; break; }; done
for c in /usr/bin/python3 python3; do
	"$c" -c 'import boto3' 2>/dev/null && { boto_py=$c; break; }
done
vers=()
[ -n "$aws_bin" ] && vers+=("$("$aws_bin" --version 2>&1 | cut -d' ' -f1) ($aws_bin)")
[ -n "$s3cmd_bin" ] && vers+=("s3cmd $("$s3cmd_bin" --version 2>&1 | awk '{print $NF}') ($s3cmd_bin)")
[ -n "$boto_py" ] && vers+=("boto3 $("$boto_py" -c 'import boto3; print(boto3.__version__)') ($boto_py)")
vers+=("$(curl --version | head -1 | cut -d' ' -f1-2)")
printf '  peers: %s\n' "$(IFS=,; echo "${vers[*]}" | sed 's/,/, /g')"

s3cmd_cfg() { # s3cmd_cfg PORT FILE: path-style, SigV4, plain HTTP
	printf '[default]\naccess_key = %s\nsecret_key = %s\nhost_base = 127.0.0.1:%s\nhost_bucket = 127.0.0.1:%s\nuse_https = False\nsignature_v2 = False\nbucket_location = %s\n' \
		"$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$1" "$1" "$S3_REGION" >"$2"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# peer_cmd NAME URL PORT: the command line of peer NAME against URL, or
# nothing when it is not installed
peer_cmd() {
	case $1 in
	"aws s3 ls") [ -n "$aws_bin" ] && echo "$aws_bin --endpoint-url $2 s3 ls --recursive s3://bench | wc -l" ;;
	"aws s3api") [ -n "$aws_bin" ] && echo "$aws_bin --endpoint-url $2 s3api list-objects-v2 --bucket bench --page-size 1000 --query 'length(Contents)' --output json" ;;
	s3cmd) [ -n "$s3cmd_bin" ] && echo "$s3cmd_bin -c $S3W/s3cfg-$3 ls -r s3://bench | wc -l" ;;
	boto3) [ -n "$boto_py" ] && echo "$boto_py tests/bench/s3bench_boto3.py $2 bench" ;;
	curl) echo "bash tests/bench/s3bench_curl.sh $2 bench" ;;
	esac
}
peer_label() {
	case $1 in
	"aws s3 ls") echo "awscli: aws s3 ls --recursive" ;;
	"aws s3api") echo "awscli: aws s3api list-objects-v2" ;;
	s3cmd) echo "s3cmd ls -r" ;;
	boto3) echo "boto3 list_objects_v2 loop" ;;
	curl) echo "curl loop (a process a page)" ;;
	esac
}
peers_list() {
	local p
	for p in $S3PEERS; do
		case $p in
		aws) echo "aws s3 ls"; echo "aws s3api" ;;
		*) echo "$p" ;;
		esac
	done
}

# run_peer NAME URL PORT: sets M to "WALL CPU USER SYS RSS_KB KEYS", or
# empty when not installed or failed (said on stdout)
run_peer() {
	local cmd
	M=
	cmd=$(peer_cmd "$1" "$2" "$3")
	if [ -z "$cmd" ]; then
		printf "  %-36s not installed\n" "$(peer_label "$1")"
		return
	fi
	echo "# $cmd" >>"$S3W/peers.log"
	if ! M=$(HOME=$S3W/home python3 tests/bench/s3bench_measure.py -- sh -c "$cmd" 2>>"$S3W/peers.log"); then
		printf "  %-36s failed (see %s)\n" "$(peer_label "$1")" "$S3W/peers.log"
		M=
	fi
}

# ---- against the stack's s3rver
echo "-- against the stack's s3rver (SigV4 verified), $S3ROUNDS rounds"
build/bench_s3 list "$S3URL" bench "$S3ROUNDS" "$S3W/pages" | tee "$S3W/list.txt" | sed 's/^/  /'
floor_ms=$(awk '/^floor/ {print $(NF)}' "$S3W/list.txt")
s3cmd_cfg "$S3_PORT" "$S3W/s3cfg-$S3_PORT"
lax_port=
if [[ " $S3PEERS " == *" s3cmd "* ]] && [ -n "$s3cmd_bin" ]; then
	lax_port=$(free_port)
	S3RVER_PKG=${S3RVER_PKG:-$PWD/node_modules/@20minutes/s3rver} node --openssl-legacy-provider \
		tests/stack/s3rver.js --directory "$DIR/s3" --address 127.0.0.1 --port "$lax_port" \
		--silent --allow-mismatched-signatures >"$S3W/s3rver-lax.log" 2>&1 &
	S3PIDS+=($!)
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$lax_port/" && break
		sleep 0.1
	done
	s3cmd_cfg "$lax_port" "$S3W/s3cfg-$lax_port"
fi
printf "  %-36s %8s %10s %8s\n" "peer, all keys" "keys" "wall (ms)" "x floor"
while read -r p; do
	port=$S3_PORT
	[ "$p" = s3cmd ] && port=${lax_port:-$S3_PORT}
	run_peer "$p" "http://127.0.0.1:$port" "$port"
	[ -n "$M" ] || continue
	read -r wall _ _ _ _ keys <<<"$M"
	note=
	[ "$p" = s3cmd ] && note="  (s3rver --allow-mismatched-signatures)"
	[ "$keys" = "$S3K" ] || note="$note  (saw $keys keys!)"
	printf "  %-36s %8s %10s %7.2fx%s\n" "$(peer_label "$p")" "$keys" "$wall" \
		"$(awk -v a="$wall" -v b="$floor_ms" 'BEGIN {print a / b}')" "$note"
done < <(peers_list)
s3_stop

echo "-- du of s3://bench against the stack's s3rver (the console's client, at most 4 connections)"
build/bench_s3 du "$S3URL" bench | sed 's/^/  /'
printf "  %-40s %7s ms  (one flat walk, from the listing above)\n" "floor: libcurl, one walk" "$floor_ms"

# ---- replay
echo "-- the same pages replayed by a static loopback server (tests/bench/s3replay.py): the clients' own cost"
rm -f "$S3W/replay.port"
python3 tests/bench/s3replay.py --dir "$S3W/pages" --bucket bench --port-file "$S3W/replay.port" \
	--log "$S3W/replay.served" 2>"$S3W/replay.log" &
S3PIDS+=($!)
for _ in $(seq 100); do
	[ -s "$S3W/replay.port" ] && break
	sleep 0.1
done
rport=$(cat "$S3W/replay.port" 2>/dev/null)
if [ -z "$rport" ]; then
	echo "  replay server did not start: $(tail -3 "$S3W/replay.log")"
	exit 1
fi
RURL=http://127.0.0.1:$rport
s3cmd_cfg "$rport" "$S3W/s3cfg-$rport"
build/bench_s3 cpu "$RURL" bench "${BENCH_S3_CPU_ROUNDS:-9}" | tee "$S3W/cpu.txt" | sed 's/^/  /'
ours_cpu=$(awk '/^console \(s3c_list/ {print $6}' "$S3W/cpu.txt")
printf "  %-36s %8s %8s %7s %7s %9s %12s %10s\n" "peer (whole process), all keys" "keys" "CPU (s)" "user" "sys" "wall (ms)" "peak RSS" "x console"
while read -r p; do
	run_peer "$p" "$RURL" "$rport"
	[ -n "$M" ] || continue
	read -r wall cpu user sys rss keys <<<"$M"
	note=
	[ "$keys" = "$S3K" ] || note="  (saw $keys keys!)"
	printf "  %-36s %8s %8s %7s %7s %9s %9.1f MB %9.1fx%s\n" "$(peer_label "$p")" "$keys" "$cpu" \
		"$user" "$sys" "$wall" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" \
		"$(awk -v a="$cpu" -v b="$ours_cpu" 'BEGIN {print a / b}')" "$note"
done < <(peers_list)
s3_stop
echo "  replay: $(cat "$S3W/replay.served" 2>/dev/null || echo "? pages served")$(grep -c . "$S3W/replay.log" | awk '$1 > 0 {print ", " $1 " requests it could not answer (see replay.log)"}')"

# ---- in the console
echo "-- in the console (tmux 120x40): the first page on screen, du of the whole bucket"
CLOG=$S3W/console.log
rm -f "$CLOG" "$S3W/keys.txt"
tm new-session -d -s s3c -x 120 -y 40 "MLC_KEY_TRACE=$S3W/keys.txt $MLC -c $DIR/mlconsole.ini --log $CLOG"
sleep 2
# The first page on screen, paired with the floor of the very same request
# (build/bench_s3 page: libcurl + expat on a fresh connection) just before
# and just after it: a first page with a delimiter costs s3rver more than a
# page of the flat walk, and its cost drifts with the machine's load. The
# console's account of each (first byte, last byte, parsed, drawn) is its
# debug log line.
S3FIRST=${BENCH_S3_FIRST:-6}
tm send-keys -t s3c ":cd s3://bench/" Enter # warm-up: the panel and its buckets
for _ in $(seq 300); do
	grep -q "s3://bench/: first page on screen" "$CLOG" 2>/dev/null && break
	sleep 0.1
done
floor_page() { build/bench_s3 page "$S3URL" bench 1 "$1" | sed -n 's/.*median \([0-9.]*\) ms$/\1/p'; }
: >"$S3W/first.txt"
for i in $(seq 1 "$S3FIRST"); do
	m=$(printf %02d $(((i - 1) % 12 + 1)))
	p=raw/2026/$m/
	before=$(floor_page "$p")
	tm send-keys -t s3c ":cd s3://bench/$p" Enter
	for _ in $(seq 600); do
		[ "$(grep -c "s3://bench/$p: .* pages in" "$CLOG" 2>/dev/null)" -ge $(((i - 1) / 12 + 1)) ] && break
		sleep 0.1
	done
	after=$(floor_page "$p")
	line=$(grep "s3://bench/$p: first page on screen" "$CLOG" | tail -1)
	ms=$(echo "$line" | sed -n 's/.*on screen in \([0-9.]*\) ms: first byte \([0-9.]*\), last byte \([0-9.]*\), parsed \([0-9.]*\),.*/\1 \2 \3 \4/p')
	[ -n "$ms" ] && [ -n "$before" ] && [ -n "$after" ] || { echo "  $p: no measure (see $CLOG)"; continue; }
	read -r shown first last parsed <<<"$ms"
	echo "$shown $before $after" >>"$S3W/first.txt"
	printf "  first page of s3://bench/%s on screen in %s ms (first byte %s, last %s, parsed %s); libcurl + expat: %s ms before, %s ms after\n" \
		"$p" "$shown" "$first" "$last" "$parsed" "$before" "$after"
done
awk '{ f = ($2 + $3) / 2; c[NR] = $1; fl[NR] = f; d[NR] = $1 - f; r[NR] = $1 / f }
function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
END { if (NR) printf "  first page on screen: median %.0f ms against the same request by libcurl + expat, median %.0f ms: %+.0f ms (median of %d pairs; target <= +20 ms), ratio %.2fx\n", med(c, NR), med(fl, NR), med(d, NR), NR, med(r, NR) }' "$S3W/first.txt"
grep -o 's3://bench/raw/2026/01/: [0-9]* prefixes, [0-9]* objects, [0-9]* pages in [0-9]* ms' "$CLOG" | sed 's/^/  whole listing: /'
: >"$S3W/keys.txt"
tm send-keys -t s3c ":du s3://bench/" Enter
sleep 1
: >"$S3W/keys.txt" # the :du keys themselves start the walks: measure the keys during them
n=0
while ! grep -q 'buckets: du s3://bench/:' "$CLOG" 2>/dev/null && [ "$n" -lt 3000 ]; do
	if [ $((n % 2)) = 0 ]; then tm send-keys -t s3c j; else tm send-keys -t s3c k; fi
	n=$((n + 1))
	sleep 0.05
done
grep -o 'du s3://bench/: .*' "$CLOG" | tail -1 | sed 's/^/  /'
k=$(wc -l <"$S3W/keys.txt")
if [ "$k" -gt 0 ]; then
	q() { sort -n "$S3W/keys.txt" | awk -v p="$1" -v n="$k" 'BEGIN { i = int(n * p); if (i < 1) i = 1 } NR == i { printf "%.2f", $1 / 1000 }'; }
	echo "  keys during du: $k, key to redraw p50 $(q 0.5) ms  p95 $(q 0.95) ms  max $(q 1.0) ms  (target: < 50 ms)"
fi
echo "  console peak RSS after the listings and du: $(rss_kb "$(pane_pid s3c)") KB"
tm kill-session -t s3c
