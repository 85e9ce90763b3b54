#!/usr/bin/env bash
# tests/ui/screens.sh — screen tests: each tests/ui/screens/NAME.script runs
# in the headless mode against the local stack and its `:save-display @OUT@`
# is compared, normalized, with NAME.expected. GENERATE=1 rewrites the
# expected files for review. Directives in the script's comments:
#   # size: 80x24            screen size (default 100x30)
#   # before: stop SERVICE   stack stop before the run (start again after)
#   # before: mode SERVICE M simulator control mode for the run (ok after)
#   # args: --readonly       extra arguments
#   # config: FILE.ini       FILE.ini (beside the script) appended to the stack's
#                            config, @S3_PORT@ replaced: more targets
#   # before: unknown-host N node N starts with an empty known_hosts of its own
#   # known-hosts-lines: K     after the run that known_hosts holds K lines
#   # after: reset SERVICE   the simulator's world back to its start (tests that write)
#   # mask: dates            also mask dates and HH:MM times (S3 stamps objects
#                            with the time the stack was seeded)
#   # log: TEXT              the log file (--log) has a line holding TEXT (an
#                            audit record); one directive per line
# A script may save intermediate screens as @OUT@.1, @OUT@.2 …: each is
# compared with NAME.1.expected, NAME.2.expected … as well.
. "$(dirname "$0")/lib.sh"
DIR=$(dirname "$0")/screens
# The stack's config with a generous "slow" threshold, so that a loaded
# machine does not turn rows yellow at random.
# SSH deadlines are generous too: a login takes seconds on a loaded machine.
sed -e 's/^\[general\]$/[general]\nslow = 60s/' -e 's/^roles = /timeout = 30s\nroles = /' \
	"$STACK/mlconsole.ini" >"$WORK/screens.ini"
chmod 600 "$WORK/screens.ini"
CFG=$WORK/screens.ini

port_of() {
	case $1 in
	mlflow) echo "$MLFLOW_PORT" ;; ray) echo "$RAY_PORT" ;;
	prefect) echo "$PREFECT_PORT" ;; airflow) echo "$AIRFLOW_PORT" ;;
	esac
}

for script in "$DIR"/${ONLY:-*}.script; do
	name=$(basename "$script" .script)
	size=$(sed -n 's/^# size: *//p' "$script")
	args=$(sed -n 's/^# args: *//p' "$script")
	stops=$(sed -n 's/^# before: stop *//p' "$script")
	modes=$(sed -n 's/^# before: mode *//p' "$script")
	for s in $stops; do tests/stack/stack stop "$STACK" "$s" >/dev/null 2>&1; done
	while read -r svc mode; do [ -n "$svc" ] && sim_mode "$(port_of "$svc")" "$mode"; done <<<"$modes"
	unknown=$(sed -n 's/^# before: unknown-host *//p' "$script")
	want_lines=$(sed -n 's/^# known-hosts-lines: *//p' "$script")
	cfg=$CFG
	if [ -n "$unknown" ]; then
		: >"$WORK/$name.known_hosts"
		chmod 600 "$WORK/$name.known_hosts"
		awk -v node="[node $unknown]" -v kh="$WORK/$name.known_hosts" '
			/^\[/ { sect = $0 }
			sect == node && /^known_hosts/ { print "known_hosts = " kh; next }
			{ print }' "$CFG" >"$WORK/$name.ini"
		chmod 600 "$WORK/$name.ini"
		cfg=$WORK/$name.ini
	fi
	extra=$(sed -n 's/^# config: *//p' "$script")
	if [ -n "$extra" ]; then
		{ cat "$cfg"; echo; sed "s|@S3_PORT@|$S3_PORT|g" "$DIR/$extra"; } >"$WORK/$name.cfg.ini"
		chmod 600 "$WORK/$name.cfg.ini"
		cfg=$WORK/$name.cfg.ini
	fi
	sed "s|@OUT@|$WORK/$name.screen|g" "$script" >"$WORK/$name.script"
	# shellcheck disable=SC2086
	"$MLC" -c "$cfg" --log "$WORK/$name.log" --script "$WORK/$name.script" --size "${size:-100x30}" $args \
		>"$WORK/$name.stdout" 2>&1
	rc=$?
	for s in $stops; do tests/stack/stack start "$STACK" "$s" >/dev/null 2>&1; done
	for s in $(sed -n 's/^# after: reset *//p' "$script"); do
		curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(port_of "$s")/__sim/reset"
	done
	while read -r svc mode; do [ -n "$svc" ] && sim_mode "$(port_of "$svc")" ok; done <<<"$modes"
	if [ "$rc" != 0 ] || [ ! -f "$WORK/$name.screen" ]; then
		notok "$name" "mlconsole exited $rc" "$(tail -5 "$WORK/$name.stdout")"
		continue
	fi
	if [ -n "$want_lines" ] && [ "$(wc -l <"$WORK/$name.known_hosts")" != "$want_lines" ]; then
		notok "$name" "known_hosts has $(wc -l <"$WORK/$name.known_hosts") lines, expected $want_lines" \
			"$(cat "$WORK/$name.known_hosts")"
		continue
	fi
	missing=$(sed -n 's/^# log: *//p' "$script" | while IFS= read -r want; do
		grep -qF -- "$want" "$WORK/$name.log" || echo "$want"
	done)
	if [ -n "$missing" ]; then
		notok "$name.log" "the log lacks: $missing" "$(tail -5 "$WORK/$name.log")"
	fi
	mask=$(sed -n 's/^# mask: *//p' "$script")
	for shot in "$WORK/$name.screen".[0-9]* "$WORK/$name.screen"; do
		[ -f "$shot" ] || continue
		step=${shot#"$WORK/$name.screen"}
		label=$name$step
		if [ "$mask" = dates ]; then
			normalize <"$shot" | mask_dates >"$WORK/$label.actual"
		else
			normalize <"$shot" >"$WORK/$label.actual"
		fi
		if [ "${GENERATE:-0}" = 1 ]; then
			cp "$WORK/$label.actual" "$DIR/$label.expected"
			ok "$label (generated)"
		elif diff -u "$DIR/$label.expected" "$WORK/$label.actual" >"$WORK/$label.diff" 2>&1; then
			ok "$label"
		else
			notok "$label" "$(head -40 "$WORK/$label.diff")"
		fi
	done
	# Every expected step must have been saved.
	for exp in "$DIR/$name".[0-9]*.expected; do
		[ -f "$exp" ] || continue
		step=${exp#"$DIR/$name"}
		step=${step%.expected}
		[ -f "$WORK/$name.screen$step" ] || notok "$name$step" "the script did not save @OUT@$step"
	done
done
