# tests/bench/sec_flows.sh — `make bench` section "flows" (BENCH_ONLY=flows):
# 10,000 Airflow DAG runs (an airflow_sim.py of its own with --big-runs
# 10000, beside the stack's) listed in pages of 100 by the console's client
# beside the floor (libcurl + jansson, build/bench_flows) and beside a curl
# loop (one curl process a page, jq-less: the page only fetched), each the
# same pages of the same server in the same run. Sourced by run.sh with
# $DIR, $WORK and the stack's environment.
echo "== Flows: 10,000 Airflow DAG runs listed in pages of 100"
fl_port_file=$WORK/airflow-big.port
rm -f "$fl_port_file"
python3 tests/stack/sim/airflow_sim.py --port 0 --port-file "$fl_port_file" --big-runs 10000 \
	--user admin --password admin >"$WORK/airflow-big.log" 2>&1 &
fl_sim=$!
for _ in $(seq 1 200); do
	[ -s "$fl_port_file" ] && break
	if ! kill -0 "$fl_sim" 2>/dev/null; then break; fi
	sleep 0.05 # a bounded wait for the port file, not a measurement
done
if [ -s "$fl_port_file" ]; then
	fl_root=http://127.0.0.1:$(cat "$fl_port_file")
	build/bench_flows "$fl_root" admin admin "${BENCH_FLOWS_ROUNDS:-2}"
	fl_total=$(curl -s -u admin:admin "$fl_root/api/v1/dags/~/dagRuns?limit=1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["total_entries"])')
	fl_t0=$(date +%s%N)
	for ((off = 0; off < fl_total; off += 100)); do
		curl -s -u admin:admin -o /dev/null \
			"$fl_root/api/v1/dags/~/dagRuns?limit=100&offset=$off&order_by=-execution_date"
	done
	fl_t1=$(date +%s%N)
	printf "  %-46s %17.0f ms   %s runs\n" "peer: curl loop, one process a page" \
		"$(((fl_t1 - fl_t0) / 1000000))" "$fl_total"
else
	echo "  airflow_sim --big-runs did not start: $(tail -3 "$WORK/airflow-big.log")"
fi
kill "$fl_sim" 2>/dev/null
wait "$fl_sim" 2>/dev/null
