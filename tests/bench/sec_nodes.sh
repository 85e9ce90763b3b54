# tests/bench/sec_nodes.sh — the Nodes panel's SSH work (sourced by run.sh
# with the stack's env, $DIR, $WORK, $MLC): inspecting N nodes (BENCH_NODES,
# default 16 sessions over the stack's three sshd) by the console's fleet,
# beside the floor (the same commands over one sshc session each, nothing
# parsed) and beside the tools an operator would otherwise run: a
# sequential ssh loop and parallel-ssh (pssh) with N in parallel, each
# running the same commands in one login per node; wall time and CPU of
# the client side (children included), best of 3. Then one command fanned
# out to FAN nodes (BENCH_FANOUT_NODES, default 16), each its own sshd.
N=${BENCH_NODES:-16}
echo "== nodes: inspecting $N nodes (3 sshd on loopback, 2 cores shared)"
MLC_STACK_DIR=$DIR build/bench_nodes "$N" >"$WORK/nodes.out" || { echo "bench_nodes failed"; return 1 2>/dev/null || exit 1; }
val() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/nodes.out"; }
printf '  %-34s %8s ms wall %6s ms CPU\n' "console fleet (parse, cards' data)" "$(val inspect_wall)" "$(val inspect_cpu)"
printf '  %-34s %8s ms wall %6s ms CPU\n' "floor (sshc, output dropped)" "$(val floor_wall)" "$(val floor_cpu)"
printf '  %-34s %8s ms wall %6s ms CPU, %s B sent, %s B received\n' "a refresh of the $N (every 10 s)" \
	"$(val refresh_wall)" "$(val refresh_cpu)" "$(val refresh_sent)" "$(val refresh_received)"

# the same commands as one remote script per node, for the peers
CMDS="uptime; free -b; df -P; nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw --format=csv,noheader,nounits; docker ps -a --format '{{json .}}'; docker compose ls --all --format json; ray status"
SSHOPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SSH_KNOWN_HOSTS"
	-o GlobalKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o IdentityAgent=none -i "$SSH_IDENTITY"
	-o LogLevel=ERROR)
PORTS=("$SSH_HEAD_PORT" "$SSH_WORKER1_PORT" "$SSH_WORKER2_PORT")
: >"$WORK/pssh.hosts"
for ((i = 0; i < N; i++)); do echo "$SSH_USER@127.0.0.1:${PORTS[i % 3]}" >>"$WORK/pssh.hosts"; done
# best of 3: "wall user+sys" in ms, children included
measure() {
	local best="" t
	for _ in 1 2 3; do
		/usr/bin/time -o "$WORK/time.out" -f '%e %U %S' "$@" >/dev/null 2>&1
		t=$(tail -1 "$WORK/time.out" | awk '{ printf "%d %d", $1 * 1000, ($2 + $3) * 1000 }')
		if [ -z "$best" ] || [ "${t% *}" -lt "${best% *}" ]; then best=$t; fi
	done
	echo "$best"
}
ssh_loop() {
	for ((i = 0; i < N; i++)); do ssh "${SSHOPTS[@]}" -p "${PORTS[i % 3]}" "$SSH_USER@127.0.0.1" "$CMDS" </dev/null; done
}
export -f ssh_loop
export N CMDS SSH_USER
r=$(measure bash -c "$(declare -p SSHOPTS PORTS); $(declare -f ssh_loop); ssh_loop")
printf '  %-34s %8s ms wall %6s ms CPU\n' "ssh loop (sequential)" "${r% *}" "${r#* }"
if command -v parallel-ssh >/dev/null; then
	r=$(measure parallel-ssh -h "$WORK/pssh.hosts" -p "$N" -t 60 -x "${SSHOPTS[*]}" "$CMDS")
	printf '  %-34s %8s ms wall %6s ms CPU\n' "parallel-ssh -p $N" "${r% *}" "${r#* }"
else
	echo "  parallel-ssh: not installed (apt-get install pssh)"
fi
# One command fanned out to FAN nodes, each its own sshd (`stack sshd-extra`):
# the console and the floor on open sessions (bench_fanout), then the
# sequential ssh loop and parallel-ssh, each against its own slowest single
# node, rounds interleaved, median and best.
FAN=${BENCH_FANOUT_NODES:-16}
if [ ! -e "$DIR/run/sshd-extra.ports" ]; then
	tests/stack/stack sshd-extra "$DIR" "$FAN" >/dev/null || { echo "stack sshd-extra failed"; return 1 2>/dev/null || exit 1; }
fi
echo "== nodes: one command fanned out to $FAN nodes, each its own sshd ($(nproc) cores)"
MLC_STACK_DIR=$DIR build/bench_fanout "$FAN" "${BENCH_FANOUT_ROUNDS:-11}" >"$WORK/fanout.out" || { echo "bench_fanout failed"; return 1 2>/dev/null || exit 1; }
fv() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/fanout.out"; }
printf '  %-24s %17s %21s %14s %s\n' "ms, median/best" "all at once" "slowest single node" "ratio" "nodes' CPU / cores"
for cmd in uptime true; do
	for who in console floor; do
		k=${who}_$cmd
		printf '  %-24s %8s / %-6s %10s / %-8s %6sx (%sx) %6s ms (%sx)\n' "$who $cmd" \
			"$(fv "${k}_fan_median")" "$(fv "${k}_fan_best")" "$(fv "${k}_single_median")" \
			"$(fv "${k}_single_best")" "$(fv "${k}_ratio_median")" "$(fv "${k}_ratio_best")" \
			"$(fv "${k}_cpu_bound")" "$(fv "${k}_cpu_bound_ratio")"
	done
done
echo "  where the time goes (uptime; ms from the exec call to each phase, slowest node, all at once / alone):"
awk '$1 ~ /^(console|floor)_uptime_phase_/ { split($1, w, "_uptime_phase_"); t[w[2]] = t[w[2]] sprintf("  %s %7s / %-6s", w[1], $2, $3); if (!(w[2] in seen)) { seen[w[2]] = 1; o[++n] = w[2] } }
	END { for (i = 1; i <= n; i++) printf "    %-11s%s\n", o[i], t[o[i]] }' "$WORK/fanout.out"
mapfile -t FPORTS <"$DIR/run/sshd-extra.ports"
: >"$WORK/fan.hosts"
for ((i = 0; i < FAN; i++)); do echo "$SSH_USER@127.0.0.1:${FPORTS[i]}" >>"$WORK/fan.hosts"; done
us() { local t=${EPOCHREALTIME/./}; US=$t; }
med() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
low() { sort -n | head -1; }
: >"$WORK/peer.txt"
for ((r = 0; r < ${BENCH_FANOUT_PEER_ROUNDS:-5}; r++)); do
	slow=0
	us; l0=$US
	for ((i = 0; i < FAN; i++)); do
		us; t0=$US
		ssh "${SSHOPTS[@]}" -p "${FPORTS[i]}" "$SSH_USER@127.0.0.1" uptime </dev/null >/dev/null 2>&1
		us; ((US - t0 > slow)) && slow=$((US - t0))
	done
	us; loop=$((US - l0))
	us; p0=$US
	parallel-ssh -h "$WORK/fan.hosts" -p "$FAN" -t 60 -x "${SSHOPTS[*]}" uptime >/dev/null 2>&1
	us; pssh=$((US - p0))
	awk -v s="$slow" -v l="$loop" -v p="$pssh" 'BEGIN { printf "%.1f %.1f %.1f %.2f %.2f\n", s / 1e3, l / 1e3, p / 1e3, l / s, p / s }' >>"$WORK/peer.txt"
done
col() { awk -v c="$1" '{ print $c }' "$WORK/peer.txt"; }
printf '  %-24s %8s / %-6s %10s / %-8s %6sx   (a new login per node)\n' "ssh loop uptime" \
	"$(col 2 | med)" "$(col 2 | low)" "$(col 1 | med)" "$(col 1 | low)" "$(col 4 | med)"
printf '  %-24s %8s / %-6s %10s / %-8s %6sx   (a new login per node)\n' "parallel-ssh -p $FAN" \
	"$(col 3 | med)" "$(col 3 | low)" "$(col 1 | med)" "$(col 1 | low)" "$(col 5 | med)"
