# tests/bench/sec_ray.sh — the Ray panel on a big cluster (BENCH_ONLY=ray):
# a simulator of its own grown to BENCH_RAY_CLUSTER (default 1000 nodes,
# 10,000 actors); bench_ray times one refresh of the nodes view (four
# requests, parsed, merged, sorted) beside the libcurl + jansson floor, CPU
# and wall, with the bytes fetched; then the console's first screen
# (headless, :ray to the drawn nodes, a config with that [ray] only), and
# the same four requests by a curl + jq loop (one process each).
# Sourced by tests/bench/run.sh with $DIR, $WORK and $MLC set.
big=${BENCH_RAY_CLUSTER:-1000,10000}
echo "== Ray: a cluster of ${big%,*} nodes and ${big#*,} actors (ray_sim --big-cluster)"
rm -f "$WORK/raybig.port"
python3 tests/stack/sim/ray_sim.py --port 0 --port-file "$WORK/raybig.port" --big-cluster "$big" \
	>"$WORK/raybig.log" 2>&1 &
raysim=$!
for _ in $(seq 100); do [ -s "$WORK/raybig.port" ] && break; sleep 0.1; done
RAYBIG=http://127.0.0.1:$(cat "$WORK/raybig.port")
# (the sparklines: from the stack's Prometheus, which scrapes the stack's
# simulator, not this one)
build/bench_ray "$RAYBIG" "${BENCH_ROUNDS:-5}" "http://127.0.0.1:$PROM_PORT" | sed 's/^/  /'

printf '[general]\nrefresh = 1h\n[ray]\ndashboard = %s\n' "$RAYBIG" >"$WORK/raybig.ini"
chmod 600 "$WORK/raybig.ini"
printf ':ray\n:save-display %s\n' "$WORK/raybig.screen" >"$WORK/raybig.script"
best=''
for _ in 1 2 3; do
	t0=$(date +%s%N)
	"$MLC" -c "$WORK/raybig.ini" --log "$WORK/raybig.mlc.log" --script "$WORK/raybig.script" \
		--size 120x40 >/dev/null 2>&1
	t=$((($(date +%s%N) - t0) / 1000000))
	[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
done
rows=$(grep -c 'ALIVE\|DEAD' "$WORK/raybig.screen")
printf '  %-44s %6s ms  (%s node rows on screen)\n' "console: start to the first screen of nodes" "$best" "$rows"

TIMEFORMAT='%R %U %S'
curl_loop() {
	for p in "/api/cluster_status" "/nodes?view=summary" "/api/v0/nodes?detail=true&limit=10000" \
		"/api/v0/actors?detail=true&limit=10000"; do
		curl -s "$RAYBIG$p" | jq '.data | length' >/dev/null
	done
}
read -r w u s < <({ time curl_loop; } 2>&1)
awk -v w="$w" -v u="$u" -v s="$s" 'BEGIN { printf "  %-44s %6.0f ms wall, %6.0f ms CPU\n", \
	"curl + jq loop (the same four requests)", w * 1000, (u + s) * 1000 }'
kill "$raysim" 2>/dev/null
wait "$raysim" 2>/dev/null

# A job log of 100 MB followed (the stack's simulator in bigtail mode: the
# log generated as fast as the socket takes it, then the close): bench_raytail
# is the client alone (the peak RSS of holding the 5,000-line tail alone, then
# after following the stream into it); then the console's peak RSS (GNU
# time's maximum resident set, that is VmHWM at exit), headless at 120x40,
# with the job's view open (before) and after F followed the whole log.
echo "== Ray: a job log of 100 MB followed over /logs/tail"
RAYTAIL=http://127.0.0.1:$RAY_PORT/__mode/bigtail
build/bench_raytail "$RAYTAIL" raysubmit_XhRk7v3qPzNwB2aL | sed 's/^/  /'
sed "s|^dashboard = \(http://127.0.0.1:[0-9]*\)$|dashboard = \1/__mode/bigtail\nrefresh = 1h|" \
	"$DIR/mlconsole.ini" >"$WORK/raytail.ini"
chmod 600 "$WORK/raytail.ini"
printf ':jobs\nj\n<Enter>\n:save-display %s\n' "$WORK/raytail0.screen" >"$WORK/raytail0.script"
printf ':jobs\nj\n<Enter>\nF\n:save-display %s\n' "$WORK/raytail1.screen" >"$WORK/raytail1.script"
for k in 0 1; do
	/usr/bin/time -f %M -o "$WORK/raytail$k.rss" "$MLC" -c "$WORK/raytail.ini" \
		--log "$WORK/raytail.mlc.log" --script "$WORK/raytail$k.script" --size 120x40 \
		>/dev/null 2>&1
done
kept=$(grep -o '[0-9,]*/[0-9,]*$' "$WORK/raytail1.screen" | tail -1)
last=$(grep -o 'Done: [0-9]* steps' "$WORK/raytail1.screen")
awk -v a="$(cat "$WORK/raytail0.rss")" -v b="$(cat "$WORK/raytail1.rss")" -v k="$kept" \
	-v l="$last" 'BEGIN {
	printf "  %-44s %6.1f MB\n", "console: peak RSS, the job view open", a / 1024
	printf "  %-44s %6.1f MB (+%.1f MB; rows %s, last \"%s\")\n", \
		"console: peak RSS after F followed 100 MB", b / 1024, (b - a) / 1024, k, l }'
