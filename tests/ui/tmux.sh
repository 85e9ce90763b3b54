#!/usr/bin/env bash
# tests/ui/tmux.sh — end-to-end smoke tests of the real binary in a real
# terminal (tmux): every service turns green; a killed service turns its row
# down with the error while keys keep answering; restarted, it turns back;
# S hands the terminal to ssh on a node and takes it back; q exits and
# gives the terminal back. Each wait polls the screen for a
# condition with a deadline; nothing depends on a fixed delay.
. "$(dirname "$0")/lib.sh"
SOCK=mlc-smoke-$$
tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t smoke 2>/dev/null; }
# wait_for REGEX SECONDS: true once the screen matches
wait_for() {
	local re=$1 deadline=$((SECONDS + $2))
	while [ $SECONDS -lt "$deadline" ]; do
		screen | grep -Eq "$re" && return 0
		sleep 0.1
	done
	return 1
}
trap 'tm kill-server 2>/dev/null; rm -rf "$WORK"' EXIT
# every section but [general] and [action ...] is a polled service
N=$(grep '^\[' "$CFG" | grep -Evc '^\[(general|action)( |\])')

tm new-session -d -s smoke -x 120 -y 30 "MLC_DRAW_TRACE=$WORK/draws $MLC -c $CFG --log $WORK/smoke.log; echo EXITED \$?; sleep 60"
# (the stack's Ray has a dead node: degraded, the rest ok)
if wait_for "● $((N - 1)) ok  ▲ 0 slow  ▲ 1 degraded  ✖ 0 down" 60; then
	ok tmux_all_green
else
	notok tmux_all_green "$(screen)"
fi

# On the Overview a probe's answer that changes nothing shown (the same
# state, latency text and sparkline) leaves the screen as drawn: the trace
# says "answer" instead of a "full" draw.
n0=$(wc -l <"$WORK/draws")
deadline=$((SECONDS + 15))
while ! tail -n +$((n0 + 1)) "$WORK/draws" | grep -q '^answer$' && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
if tail -n +$((n0 + 1)) "$WORK/draws" | grep -q '^answer$'; then
	ok tmux_overview_same_answer_not_redrawn
else
	notok tmux_overview_same_answer_not_redrawn "draws: $(tail -n +$((n0 + 1)) "$WORK/draws" | sort | uniq -c | tr '\n' ' ')"
fi

# The 1 s tick draws the clock's cells alone when nothing else changed: on
# a panel where nothing shown depends on the time (Models, loaded), three
# ticks in a row are "clock" draws ($MLC_DRAW_TRACE: one line per draw),
# and the clock on screen moves on.
ticks_clock_only() { [ "$(tail -n +$((n0 + 1)) "$WORK/draws" | tail -3 | grep -c '^clock$')" = 3 ]; }
tm send-keys -t smoke 5
if wait_for '^ NAME +LATEST' 10; then
	n0=$(wc -l <"$WORK/draws")
	c0=$(screen | head -1 | grep -Eo '[0-9:]{8} *$')
	deadline=$((SECONDS + 15))
	while ! ticks_clock_only && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
	if ticks_clock_only && [ "$(screen | head -1 | grep -Eo '[0-9:]{8} *$')" != "$c0" ]; then
		ok tmux_tick_draws_clock_only
	else
		notok tmux_tick_draws_clock_only "draws: $(tail -n +$((n0 + 1)) "$WORK/draws" | tr '\n' ' ')" "$(screen)"
	fi
else
	notok tmux_tick_draws_clock_only "the Models panel did not load" "$(screen)"
fi
tm send-keys -t smoke 1

tests/stack/stack stop "$STACK" mlflow >/dev/null 2>&1
# down within one refresh (2 s) plus the deadline (5 s), with the reason
if wait_for '^ mlflow .*✖ down .*connect to' 10 &&
	wait_for 'mlflow: down since .*Connection refused' 5; then
	ok tmux_killed_service_down
else
	notok tmux_killed_service_down "$(screen)"
fi
# keys answer while it is down
tm send-keys -t smoke j
if wait_for " 2/$N\$" 2; then ok tmux_keys_answer; else notok tmux_keys_answer "$(screen)"; fi

tests/stack/stack start "$STACK" mlflow >/dev/null 2>&1
# back within the backoff delay after the first failures (at most 4x refresh here)
if wait_for '^ mlflow .*● ok .*2\.12\.2' 15; then
	ok tmux_restarted_service_back
else
	notok tmux_restarted_service_back "$(screen)"
fi

# S on a node: the console leaves the screen to the system ssh (a real
# shell on the stack's head node), and takes it back when that exits
tm send-keys -t smoke 8
if wait_for '^ head +up ' 30; then
	tm send-keys -t smoke S
	# the remote shell answers with its node's name; the console is gone
	tm send-keys -t smoke 'echo "node=$MLC_NODE"' Enter
	if wait_for '^node=head' 20 && ! screen | grep -q ' 8 Nodes'; then
		tm send-keys -t smoke 'exit 3' Enter
		if wait_for 'shell on head ended: exit 3' 10 && wait_for '^ head +up ' 2; then
			ok tmux_shell
		else
			notok tmux_shell "the console did not come back" "$(screen)"
		fi
	else
		notok tmux_shell "no remote shell" "$(screen)"
	fi
else
	notok tmux_shell "the fleet did not come up" "$(screen)"
fi

# the Ray panel refreshes on a timer of its own: with the dashboard
# stopped its nodes stay on screen, stale, then down; restarted, back
tm send-keys -t smoke 6
if wait_for 'Ray 2\.30\.0 · nodes: 3 alive' 10; then
	tests/stack/stack stop "$STACK" ray >/dev/null 2>&1
	if wait_for '^ ray +stale since [0-9:]+: .*connect to' 10 &&
		wait_for '^ ray +down [0-9]+s, data from [0-9:]+: .*connect to' 10 &&
		screen | grep -q '10\.0\.0\.13 .*ALIVE'; then
		ok tmux_ray_stale_then_down
	else
		notok tmux_ray_stale_then_down "$(screen)"
	fi
	tests/stack/stack start "$STACK" ray >/dev/null 2>&1
	if wait_for '^ ray$' 15; then ok tmux_ray_back; else notok tmux_ray_back "$(screen)"; fi
else
	notok tmux_ray_stale_then_down "the Ray panel did not open" "$(screen)"
fi
tm send-keys -t smoke 1

tm send-keys -t smoke q
if wait_for '^EXITED 0' 2; then
	# the alternate screen is gone: none of the console's rows are left
	if screen | grep -q 'SERVICE'; then notok tmux_quit "screen not restored" "$(screen)"; else ok tmux_quit; fi
else
	notok tmux_quit "q did not exit cleanly within 2 s" "$(screen)"
fi
