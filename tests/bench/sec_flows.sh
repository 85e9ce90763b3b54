# tests/bench/sec_flows.sh — `make bench` section "flows" (BENCH_ONLY=flows):
# 10,000 Airflow DAG runs (an airflow_sim.py of its own with --big-runs
# 10000, beside the stack's) listed in pages of 100 by the console's client
# beside the floor (libcurl + jansson, build/bench_flows) and beside a curl
# loop (one curl process a page, jq-less: the page only fetched), each the
# same pages of the same server in the same run. Then, in the console
# (headless tmux): the Flows panel (7) opened on that server, the time to its
# first screen of runs and to the whole table (the newest 1,000 it keeps),
# beside one page's round trip and the floor's load of the same 1,000, in
# interleaved rounds (medians, BENCH_FLOWS_CONSOLE_ROUNDS, default 5); and a
# 50 MB Prefect log followed (prefect_sim.py's biglog mode, a prefect_sim of
# its own): peak RSS before and after beside the 5,000-line window's own
# size, and key-to-redraw (MLC_KEY_TRACE) while it follows. Sourced by run.sh
# with $DIR, $WORK, $MLC, tm and the stack's environment.
# fl_wait_pane SESSION REGEX [TRIES]: polls the pane (5 ms apart) until it
# matches; returns 1 if it never did.
fl_wait_pane() {
	local i
	for ((i = 0; i < ${3:-2000}; i++)); do
		tm capture-pane -p -t "$1" 2>/dev/null | grep -q -- "$2" && return 0
		sleep 0.005
	done
	return 1
}
# fl_median: the median of the numbers on stdin
fl_median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# fl_console_rounds ROOT ROUNDS: each round the floor's load of the newest
# 1,000 runs (build/bench_flows ... 1000), then a console started on ROOT
# alone, its Overview drawn, `7` sent and the pane read every ~5 ms until
# the first run row is drawn (the first screen); then the console's log is
# read (its debug line for the last page) and, once that came, the pane
# again until the status line has no "loading…" (the whole table). The
# loops fork nothing but the one tmux client a pane read (bash's clock and
# matching, a read with a timeout for the pause), so that they leave the 2
# CPUs to the console and the server while the pages come. The
# console's own clock beside (its debug log: the load from the first
# request to the last page, and the panel's own work on the pages). Medians
# of the rounds, and the ratios from those medians, printed beside the
# floor's.
fl_console_rounds() {
	local root=$1 rounds=$2 ini=$WORK/flows-big.ini r
	local log=$WORK/state/mlconsole/mlconsole.log
	printf '[general]\nrefresh = 2s\n\n[airflow]\nurl = %s/api/v1\nusername = admin\npassword = admin\n' \
		"$root" >"$ini"
	chmod 600 "$ini"
	: >"$WORK/fl-rounds.txt"
	local pause
	exec {pause}<> <(:) # read -t on it: a pause without a fork
	for ((r = 0; r < rounds; r++)); do
		local fl
		fl=$(build/bench_flows "$root" admin admin 1 1000 | awk '/^FLOOR/ {print $2, $3, $4}')
		tm new-session -d -s flows -x 120 -y 40 "$MLC -c $ini"
		if ! fl_wait_pane flows 'airflow'; then
			echo "  the console's Overview was not drawn"
			tm kill-session -t flows 2>/dev/null
			return
		fi
		sleep 0.3 # the Overview's first probes settle; not a measurement
		local t0 t1=0 t2=0 now pane logged line lf
		logged=$(grep -c 'flows: airflow: .* runs in' "$log" 2>/dev/null)
		exec {lf}<"$log"
		while read -r -u "$lf" line; do :; done # to its end: what comes next is this round's
		t0=${EPOCHREALTIME/./}
		tm send-keys -t flows 7
		for ((i = 0; i < 12000 && t1 == 0; i++)); do
			pane=$(tm capture-pane -p -t flows)
			[[ $pane == *batch_scoring_hourly* ]] && t1=${EPOCHREALTIME/./}
			[[ $t1 == 0 ]] && read -r -t 0.005 -u "$pause" # the pane read every ~5 ms
		done
		# The last page: its log line (read without a fork), then the pane once
		# more to see the whole table drawn (the same loop turn draws it).
		local deadline=$((${EPOCHREALTIME/./} + 30000000)) # 30 s: a load that never ends
		while ((${EPOCHREALTIME/./} < deadline)); do
			if read -r -u "$lf" line; then
				[[ $line == *'flows: airflow: '*' runs in '* ]] && break
			else
				read -r -t 0.001 -u "$pause"
			fi
		done
		for ((i = 0; i < 2000; i++)); do
			pane=$(tm capture-pane -p -t flows)
			now=${EPOCHREALTIME/./}
			if [[ $pane == *'24h:'* && $pane != *'loading…'* && $pane == *batch_scoring_hourly* ]]; then
				t2=$now
				break
			fi
			read -r -t 0.002 -u "$pause"
		done
		exec {lf}<&-
		tm kill-session -t flows
		[ "$t2" != 0 ] || { echo "  round $r: the runs never showed"; continue; }
		local own
		own=$(grep 'flows: airflow: .* runs in' "$log" | tail -n +"$((logged + 1))" |
			sed -n 's/.*pages*, \([0-9.]*\) ms from the first request; the panel.s own work on them \([0-9.]*\) ms.*/\1 \2/p' | tail -1)
		echo "$fl $((t1 - t0)) $((t2 - t0)) ${own:-0 0}" >>"$WORK/fl-rounds.txt"
	done
	exec {pause}<&-
	local n
	n=$(wc -l <"$WORK/fl-rounds.txt")
	[ "$n" -gt 0 ] || return
	local page all first whole runs load work
	page=$(awk '{print $1}' "$WORK/fl-rounds.txt" | fl_median)
	all=$(awk '{print $2}' "$WORK/fl-rounds.txt" | fl_median)
	runs=$(awk '{print $3}' "$WORK/fl-rounds.txt" | fl_median)
	first=$(awk '{print $4 / 1000}' "$WORK/fl-rounds.txt" | fl_median)
	whole=$(awk '{print $5 / 1000}' "$WORK/fl-rounds.txt" | fl_median)
	load=$(awk '{print $6}' "$WORK/fl-rounds.txt" | fl_median)
	work=$(awk '{print $7}' "$WORK/fl-rounds.txt" | fl_median)
	echo "== Flows in the console: \`7\` on 10,000 Airflow runs (the panel keeps the newest ${runs%.*}), medians of $n interleaved rounds"
	printf "  %-46s %8s ms\n" "floor: one page's round trip (100 runs)" "$page"
	printf "  %-46s %8s ms\n" "floor: the same ${runs%.*} runs, pages of 100" "$all"
	printf "  %-46s %8s ms   beyond one page: %+.1f ms (target: <= +50 ms)\n" \
		"mlconsole: \`7\` to the first screen of runs" "$first" "$(awk -v a="$first" -v b="$page" 'BEGIN {print a - b}')"
	printf "  %-46s %8s ms   %.2fx the floor's (target: <= 1.2x)\n" \
		"mlconsole: \`7\` to the whole table" "$whole" "$(awk -v a="$whole" -v b="$all" 'BEGIN {print a / b}')"
	printf "  %-46s %8s ms   %.2fx the floor's; the panel's own work on the pages %s ms\n" \
		"mlconsole's own clock: first request to last page" "$load" \
		"$(awk -v a="$load" -v b="$all" 'BEGIN {print (b > 0 ? a / b : 0)}')" "$work"
}

# fl_follow_biglog: a prefect_sim of its own, its runs' log in biglog mode
# (grows 20,000 lines a second to 204,800 lines of 256-byte messages: 50 MiB);
# the console opens the first run's log (7, l), follows it (F) and gets j/k
# every 50 ms until the last line is on screen. Peak RSS (VmHWM) with the
# runs listed, and after; the window's own size is LOG_WINDOW (5,000) lines
# of those messages; key to redraw from MLC_KEY_TRACE while following.
fl_follow_biglog() {
	echo "== Flows: a 50 MB Prefect log followed (prefect_sim biglog: 204,800 lines of 256 B, 20,000 lines/s)"
	local pf=$WORK/prefect-big.port ini=$WORK/flows-log.ini keys=$WORK/logkeys.txt
	rm -f "$pf" "$keys"
	python3 tests/stack/sim/prefect_sim.py --port 0 --port-file "$pf" >"$WORK/prefect-big.log" 2>&1 &
	local sim=$! i
	for ((i = 0; i < 200; i++)); do
		[ -s "$pf" ] && break
		kill -0 "$sim" 2>/dev/null || break
		sleep 0.05 # a bounded wait for the port file, not a measurement
	done
	if [ ! -s "$pf" ]; then
		echo "  prefect_sim did not start: $(tail -3 "$WORK/prefect-big.log")"
		return
	fi
	printf '[general]\nrefresh = 2s\n\n[prefect]\nurl = http://127.0.0.1:%s/__mode/biglog/api\n' "$(cat "$pf")" >"$ini"
	chmod 600 "$ini"
	tm new-session -d -s flog -x 120 -y 40 "MLC_KEY_TRACE=$keys $MLC -c $ini"
	fl_wait_pane flog 'prefect' || echo "  the console's Overview was not drawn"
	sleep 0.3 # the Overview's first probes settle; not a measurement
	tm send-keys -t flog 7
	fl_wait_pane flog 'Scheduled' || echo "  the runs were not listed"
	local pid rss0 rss1 lines0 t0 t1 done=no deadline=0
	pid=$(tm list-panes -t flog -F '#{pane_pid}')
	rss0=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	lines0=$(wc -l <"$keys")
	t0=$(date +%s%N)
	tm send-keys -t flog l
	tm send-keys -t flog F
	if fl_wait_pane flog 'big log line'; then
		deadline=$(($(date +%s) + ${BENCH_FLOWS_FOLLOW_S:-120}))
	else
		echo "  the log was not shown"
	fi
	for ((i = 0; $(date +%s) < deadline; i++)); do
		if [ $((i % 2)) = 0 ]; then tm send-keys -t flog k; else tm send-keys -t flog j; fi
		sleep 0.05 # the pace of the keys
		if tm capture-pane -p -t flog | grep -q 'big log line 0204799'; then
			done=yes
			break
		fi
	done
	t1=$(date +%s%N)
	rss1=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	local status
	status=$(tm capture-pane -p -t flog | grep -m1 -o '[0-9]* lines.*' | head -1)
	tm send-keys -t flog q
	tm kill-session -t flog 2>/dev/null
	kill "$sim" 2>/dev/null
	wait "$sim" 2>/dev/null
	local n
	n=$(tail -n +"$((lines0 + 1))" "$keys" | tr -d '\0' | grep -c '^[0-9]')
	echo "  last line reached: $done in $(((t1 - t0) / 1000000)) ms; view status: ${status:-?}"
	printf "  %-46s %8s KB\n" "console peak RSS, runs listed (before)" "$rss0"
	printf "  %-46s %8s KB   (+%s KB)\n" "console peak RSS, 50 MB followed (after)" "$rss1" "$((rss1 - rss0))"
	printf "  %-46s %8s KB   (5,000 x (24 B struct + 257 B text), computed)\n" \
		"the 5,000-line window's messages alone" "$((5000 * (24 + 257) / 1024))"
	if [ "$n" -gt 0 ]; then
		tail -n +"$((lines0 + 1))" "$keys" | tr -d '\0' | grep '^[0-9]' | sort -n |
			awk -v n="$n" 'function q(p) { k = int(n * p); if (k < 1) k = 1; return v[k] / 1000 }
				{ v[NR] = $1 } END { printf "  %d keys while following: key to redraw p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", n, q(0.5), q(0.99), q(1.0) }'
	else
		echo "  no key samples"
	fi
}

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
if [ -s "$fl_port_file" ]; then
	fl_console_rounds "$fl_root" "${BENCH_FLOWS_CONSOLE_ROUNDS:-5}"
fi
kill "$fl_sim" 2>/dev/null
wait "$fl_sim" 2>/dev/null
# BENCH_FLOWS_FOLLOW_S=0: the runs' figures alone (rounds of the paging)
[ -n "${fl_root:-}" ] && [ "${BENCH_FLOWS_FOLLOW_S:-120}" != 0 ] && fl_follow_biglog
