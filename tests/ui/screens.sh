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
#                            config, @S3_PORT@ and @MLFLOW_PORT@ replaced: more targets
#   # before: unknown-host N node N starts with an empty known_hosts of its own
#   # known-hosts-lines: K     after the run that known_hosts holds K lines
#   # after: reset SERVICE   the simulator's world back to its start (tests that write)
#   # mask: dates            also mask dates and HH:MM times: only for objects the
#                            test itself writes (the seeded ones have pinned dates)
#   # sigv4: ARGS            a tests/stack/sigv4_s3.py of the test's own, started
#                            with ARGS for the run (its port is @SIGV4_PORT@ in
#                            the config file; stopped after)
#   # log-has: TEXT          after the run the log file holds a line with TEXT
#                            (@DIR@ replaced); one directive per line wanted
# In the script, @DIR@ is an empty directory of the test's own.
#   # mask: numbers          also mask every number (sizes, rates, ages, pids of
#                            a live PostgreSQL) and squeeze runs of blanks
#   # config-sed: SED-EXPR   the config for this run edited with sed
#   # before: psql SQL       run SQL on the stack's mlflowdb as mlflow first
#   # session: APP SQL       then hold a psql session named APP running SQL
#                            in the background (each started once the one
#                            before is active on the server) until the run is over
#   # idle-session: APP SQL  then hold a psql session named APP that ran SQL
#                            and sits idle (in its transaction when SQL began
#                            one) until the run is over; the run starts once
#                            the server has had it idle for 0.2 s
#   # pgproxy: on            a tests/ui/pgproxy.py in front of the stack's
#                            PostgreSQL for the run (its port is @PGPROXY_PORT@
#                            in config-sed): the script stops and starts the
#                            server by writing @DIR@/stop and @DIR@/start
#   # after: psql SQL        run SQL once the run is over
# A script may save intermediate screens as @OUT@.1, @OUT@.2 …: each is
# compared with NAME.1.expected, NAME.2.expected … as well.
. "$(dirname "$0")/lib.sh"
DIR=$(dirname "$0")/screens
PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)
PSQL=${PSQL:-psql}
# psql as the stack's mlflow role on mlflowdb (PGAPPNAME names the session).
stack_psql() {
	PGPASSWORD=$(cat "$PGPASSWORD_FILE") "$PSQL" -X -q -h 127.0.0.1 -p "$PG_PORT" -U mlflow \
		-d mlflowdb -c "$1"
}
# For screens of a live PostgreSQL: every number (with its unit: 12.4 MB,
# 99%, 4m12s, 27,451; a time's fraction of a second; the year of an Airflow
# run id, manual__2026-…) becomes N, and so does a lone "-" (a rate before
# the second poll: a slow run polls twice), runs of blanks one blank.
mask_numbers() {
	perl -CSD -pe '
		s/YYYY-MM-DD HH:MM/DATE/g;
		s/(?<=HH:MM:SS)\.\d+/.N/g;
		s/(?<=__)\d{4}(?=-)/N/g;
		s/(?<![\w.])\d[\d,.]*(?: ?[KMGTP]?B\b|%|(?:[smhd]\d*)+\b)?/N/g;
		s/(?<= )-(?= |$)/N/g;
		s/ +/ /g;
	'
}
# The stack's config with a generous "slow" threshold, so that a loaded
# machine does not turn rows yellow at random.
# SSH deadlines are generous too: a login takes seconds on a loaded machine.
sed -e 's/^\[general\]$/[general]\nslow = 60s/' -e 's/^roles = /timeout = 30s\nroles = /' \
	"$STACK/mlconsole.ini" >"$WORK/screens.ini"
chmod 600 "$WORK/screens.ini"
CFG=$WORK/screens.ini

# Waits (polling the server, at most a few hundred tries) until the session
# named APP is in the state the SQL condition COND describes.
wait_session() {
	for _ in $(seq 500); do
		n=$(PGPASSWORD=$(cat "$PGPASSWORD_FILE") "$PSQL" -X -At -h 127.0.0.1 -p "$PG_PORT" -U mlflow \
			-d mlflowdb -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND $2" 2>/dev/null)
		[ "${n:-0}" -ge 1 ] && return
	done
}

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
	sigv4=$(sed -n 's/^# sigv4: *//p' "$script")
	sigv4_pid='' sigv4_port=''
	if [ -n "$sigv4" ]; then
		# shellcheck disable=SC2086
		exec {sigv4_fd}< <(exec python3 tests/stack/sigv4_s3.py --port 0 $sigv4 2>"$WORK/$name.sigv4.err")
		sigv4_pid=$!
		read -r sigv4_port <&"$sigv4_fd"
	fi
	extra=$(sed -n 's/^# config: *//p' "$script")
	if [ -n "$extra" ]; then
		{ cat "$cfg"; echo; sed -e "s|@S3_PORT@|$S3_PORT|g" -e "s|@MLFLOW_PORT@|$MLFLOW_PORT|g" -e "s|@SIGV4_PORT@|$sigv4_port|g" "$DIR/$extra"; } >"$WORK/$name.cfg.ini"
		chmod 600 "$WORK/$name.cfg.ini"
		cfg=$WORK/$name.cfg.ini
	fi
	mkdir -p "$WORK/$name.dir"
	pgproxy_pid='' pgproxy_port=''
	if [ -n "$(sed -n 's/^# pgproxy: *//p' "$script")" ]; then
		exec {pgproxy_fd}< <(exec python3 tests/ui/pgproxy.py "$PG_PORT" "$STACK" "$WORK/$name.dir" 2>"$WORK/$name.pgproxy.err")
		pgproxy_pid=$!
		read -r pgproxy_port <&"$pgproxy_fd"
	fi
	cfgsed=$(sed -n 's/^# config-sed: *//p' "$script" | sed "s|@PGPROXY_PORT@|$pgproxy_port|g")
	if [ -n "$cfgsed" ]; then
		sed -e "$cfgsed" "$cfg" >"$WORK/$name.ini"
		chmod 600 "$WORK/$name.ini"
		cfg=$WORK/$name.ini
	fi
	sed -n 's/^# before: psql *//p' "$script" | while IFS= read -r sql; do
		stack_psql "$sql" >/dev/null 2>&1
	done
	sessions=()
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		PGAPPNAME=${line%% *} stack_psql "${line#* }" >/dev/null 2>&1 &
		sessions+=($!)
		# the next session starts once this one is on the server (its
		# backend running or waiting), so a blocking chain forms in order
		wait_session "${line%% *}" "state = 'active'"
	done < <(sed -n 's/^# session: *//p' "$script")
	idle_fds=()
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		app=${line%% *}
		exec {fd}> >(PGAPPNAME=$app PGPASSWORD=$(cat "$PGPASSWORD_FILE") "$PSQL" -X -q -h 127.0.0.1 \
			-p "$PG_PORT" -U mlflow -d mlflowdb -f - >/dev/null 2>&1)
		sessions+=($!)
		idle_fds+=("$fd")
		printf '%s;\n' "${line#* }" >&"$fd"
		wait_session "$app" "state LIKE 'idle%' AND state_change < now() - interval '0.2 s'"
	done < <(sed -n 's/^# idle-session: *//p' "$script")
	sed -e "s|@OUT@|$WORK/$name.screen|g" -e "s|@DIR@|$WORK/$name.dir|g" "$script" >"$WORK/$name.script"
	# shellcheck disable=SC2086
	"$MLC" -c "$cfg" --log "$WORK/$name.log" --script "$WORK/$name.script" --size "${size:-100x30}" $args \
		>"$WORK/$name.stdout" 2>&1
	rc=$?
	if [ -n "$sigv4_pid" ]; then
		kill "$sigv4_pid" 2>/dev/null
		exec {sigv4_fd}<&-
	fi
	for s in $stops; do tests/stack/stack start "$STACK" "$s" >/dev/null 2>&1; done
	if [ -n "$pgproxy_pid" ]; then
		kill "$pgproxy_pid" 2>/dev/null
		exec {pgproxy_fd}<&-
		tests/stack/stack start "$STACK" postgres >/dev/null 2>&1
	fi
	sed -n 's/^# after: psql *//p' "$script" | while IFS= read -r sql; do
		stack_psql "$sql" >/dev/null 2>&1
	done
	for fd in "${idle_fds[@]}"; do exec {fd}>&-; done
	for p in "${sessions[@]}"; do kill "$p" 2>/dev/null; done
	wait "${sessions[@]}" 2>/dev/null
	for s in $(sed -n 's/^# after: reset *//p' "$script"); do
		curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(port_of "$s")/__sim/reset"
	done
	while read -r svc mode; do [ -n "$svc" ] && sim_mode "$(port_of "$svc")" ok; done <<<"$modes"
	if [ "$rc" != 0 ] || [ ! -f "$WORK/$name.screen" ]; then
		notok "$name" "mlconsole exited $rc" "$(tail -5 "$WORK/$name.stdout")"
		continue
	fi
	missing=''
	while IFS= read -r want; do
		[ -n "$want" ] || continue
		want=${want//@DIR@/$WORK/$name.dir}
		grep -qF -- "$want" "$WORK/$name.log" || missing="$missing${missing:+, }'$want'"
	done < <(sed -n 's/^# log-has: *//p' "$script")
	if [ -n "$missing" ]; then
		notok "$name" "the log lacks $missing" "$(tail -5 "$WORK/$name.log")"
		continue
	fi
	if [ -n "$want_lines" ] && [ "$(wc -l <"$WORK/$name.known_hosts")" != "$want_lines" ]; then
		notok "$name" "known_hosts has $(wc -l <"$WORK/$name.known_hosts") lines, expected $want_lines" \
			"$(cat "$WORK/$name.known_hosts")"
		continue
	fi
	mask=$(sed -n 's/^# mask: *//p' "$script")
	for shot in "$WORK/$name.screen".[0-9]* "$WORK/$name.screen"; do
		[ -f "$shot" ] || continue
		step=${shot#"$WORK/$name.screen"}
		label=$name$step
		if [ "$mask" = dates ]; then
			normalize <"$shot" | mask_dates >"$WORK/$label.actual"
		elif [ "$mask" = numbers ]; then
			normalize <"$shot" | mask_numbers >"$WORK/$label.actual"
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
