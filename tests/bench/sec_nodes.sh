# tests/bench/sec_nodes.sh — the Nodes panel's SSH work (sourced by run.sh
# with the stack's env, $DIR, $WORK, $MLC): inspecting N nodes (BENCH_NODES,
# default 16 sessions over the stack's three sshd) by the console's fleet,
# beside the floor (the same commands over one sshc session each, nothing
# parsed) and beside the tools an operator would otherwise run: a
# sequential ssh loop and parallel-ssh (pssh) with N in parallel, each
# running the same commands in one login per node; wall time and CPU of
# the client side (children included), best of 3. Then one command fanned
# out to the N open sessions beside the slowest single one.
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
echo "== nodes: one command (uptime) fanned out to $N open sessions"
printf '  %-34s %8s ms (slowest single node %s ms: %sx; target <= 1.3x)\n' "console (sshc channels)" \
	"$(val fanout_wall)" "$(val fanout_slowest_single)" "$(val fanout_ratio)"
r=$(measure parallel-ssh -h "$WORK/pssh.hosts" -p "$N" -t 60 -x "${SSHOPTS[*]}" uptime)
printf '  %-34s %8s ms wall (a new login per node)\n' "parallel-ssh -p $N uptime" "${r% *}"
