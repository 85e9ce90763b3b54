#!/usr/bin/env bash
# tests/ui/cli.sh — the command line against the local stack: `check` (text
# and --json), each failure named exactly, config errors with file:line and
# exit 2, usage errors. Prints "ok NAME" / "not ok NAME".
. "$(dirname "$0")/lib.sh"

run() { # run NAME EXPECTED_STATUS CMD... ; keeps output in $WORK/NAME.out
	local name=$1 want=$2
	shift 2
	"$@" >"$WORK/$name.out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ]; then return 0; fi
	notok "$name" "exit $rc, expected $want" "$(tail -15 "$WORK/$name.out")"
	return 1
}

# check: everything passes against the stack
if run check_all_ok 0 "$MLC" check -c "$CFG"; then
	if grep -q '^FAIL' "$WORK/check_all_ok.out"; then
		notok check_all_ok "a FAIL line with exit 0"
	elif ! grep -q 'ray: alive nodes' "$WORK/check_all_ok.out" ||
		! grep -q 'postgres: extension pgcrypto' "$WORK/check_all_ok.out" ||
		! grep -q 'minio: bucket mlflow' "$WORK/check_all_ok.out" ||
		! grep -q 'head: ssh' "$WORK/check_all_ok.out"; then
		notok check_all_ok "a check is missing" "$(cat "$WORK/check_all_ok.out")"
	else
		ok check_all_ok
	fi
fi

# mlflow's check asks for one experiment (max_results=1): no count that lies
if grep -q 'mlflow: experiments/search .* answers (lists experiments)$' "$WORK/check_all_ok.out"; then
	ok check_mlflow_wording
else
	notok check_mlflow_wording "$(grep 'experiments/search' "$WORK/check_all_ok.out")"
fi

# check --json is valid JSON with the same verdict
if run check_json 0 "$MLC" check --json -c "$CFG"; then
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] is True and d["failed"]==0 and len(d["checks"])>10' "$WORK/check_json.out" 2>"$WORK/json.err"; then
		ok check_json
	else
		notok check_json "$(cat "$WORK/json.err")"
	fi
fi

# A config that differs from the stack in one expectation: exactly that check fails.
variant() { # variant NAME SED_EXPR EXPECTED_FAILING_CHECK
	local name=$1 expr=$2 want=$3
	sed -E "$expr" "$CFG" >"$WORK/$name.ini"
	chmod 600 "$WORK/$name.ini"
	if run "$name" 1 "$MLC" check -c "$WORK/$name.ini"; then
		local fails
		fails=$(grep '^FAIL' "$WORK/$name.out" | awk '{print $2, $3, $4}')
		if [ "$(grep -c '^FAIL' "$WORK/$name.out")" = 1 ] && grep -q "^FAIL  $want" "$WORK/$name.out"; then
			ok "$name"
		else
			notok "$name" "expected only '$want' to fail, got:" "$fails"
		fi
	fi
}
variant check_missing_bucket 's/^buckets = .*/buckets = mlflow data nosuchbucket/' 'minio: bucket nosuchbucket'
variant check_missing_database 's/^databases = .*/databases = mlflowdb vector_db nosuchdb/' 'postgres: database nosuchdb'
variant check_missing_extension 's/^extensions = .*/extensions = pgcrypto vector/' 'postgres: extension vector'

# The generic kinds: [http NAME] and [redis NAME] rows, in text and in JSON.
# Up: pgAdmin's /misc/ping (expect_body = PING), Grafana's /api/health with
# its version, redis with requirepass (the password from the URL).
if grep -Eq '^ok +pgadmin: health .* HTTP 200$' "$WORK/check_all_ok.out" &&
	grep -Eq '^ok +grafana: health .* HTTP 200, version 10\.4\.2$' "$WORK/check_all_ok.out" &&
	grep -Eq '^ok +cache: ping .* PONG, redis [0-9]+\.[0-9]+\.[0-9]+ \(standalone\)$' "$WORK/check_all_ok.out"; then
	ok check_kinds_up
else
	notok check_kinds_up "$(grep -E 'pgadmin|grafana|cache' "$WORK/check_all_ok.out")"
fi
if python3 - "$WORK/check_json.out" <<'PY' 2>"$WORK/kinds_json.err"; then
import json, re, sys
rows = {c["name"]: c for c in json.load(open(sys.argv[1]))["checks"]}
assert rows["pgadmin: health"]["ok"] and rows["pgadmin: health"]["detail"] == "HTTP 200", rows["pgadmin: health"]
assert rows["grafana: health"]["detail"] == "HTTP 200, version 10.4.2", rows["grafana: health"]
assert rows["cache: ping"]["ok"] and re.match(r"PONG, redis \d+\.\d+", rows["cache: ping"]["detail"]), rows["cache: ping"]
assert isinstance(rows["cache: ping"]["latency_ms"], int)
PY
	ok check_json_kinds_up
else
	notok check_json_kinds_up "$(cat "$WORK/kinds_json.err")"
fi

# One generic row failing, in text (exactly that row, with its reason) and
# in JSON (ok false, the same reason); the redis password never shown.
REDIS_PW=$(cat "$REDIS_PASSWORD_FILE")
CLOSED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
kind_fails() { # kind_fails NAME SED_EXPR ROW REASON_REGEX
	local name=$1 expr=$2 row=$3 why=$4
	sed -E "$expr" "$CFG" >"$WORK/$name.ini"
	chmod 600 "$WORK/$name.ini"
	run "$name" 1 "$MLC" check -c "$WORK/$name.ini" || return
	"$MLC" check --json -c "$WORK/$name.ini" >"$WORK/$name.json" 2>&1
	if [ "$(grep -c '^FAIL' "$WORK/$name.out")" != 1 ] ||
		! grep "^FAIL  $row " "$WORK/$name.out" | grep -Eq "$why"; then
		notok "$name" "expected only '$row' to fail with /$why/, got:" "$(grep '^FAIL' "$WORK/$name.out")"
	elif grep -qF "$REDIS_PW" "$WORK/$name.out" "$WORK/$name.json"; then
		notok "$name" "the redis password is in the output"
	elif ! python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
bad = [c for c in d["checks"] if not c["ok"]]
assert d["ok"] is False and d["failed"] == 1, d["failed"]
assert bad[0]["name"] == sys.argv[2] and re.search(sys.argv[3], bad[0]["detail"]), bad[0]
' "$WORK/$name.json" "$row" "$why" 2>"$WORK/$name.err"; then
		notok "$name" "check --json: $(tail -3 "$WORK/$name.err")"
	else
		ok "$name"
	fi
}
kind_fails check_http_unexpected_body 's#/misc/ping$#/welcome#' 'pgadmin: health' \
	'HTTP 200 but the body does not contain "PING" \(got "<!DOCTYPE html>'
kind_fails check_http_down "s#:$WEB_PORT/api/health#:$CLOSED_PORT/api/health#" 'grafana: health' \
	"127\.0\.0\.1:$CLOSED_PORT.*refused"
kind_fails check_redis_wrong_password 's#^url = redis://:[^@]*@#url = redis://:not-it@#' 'cache: ping' \
	'wrong password: WRONGPASS'
kind_fails check_redis_no_password 's#^url = redis://:[^@]*@#url = redis://#' 'cache: ping' \
	'requires a password and none was given.*NOAUTH'
kind_fails check_redis_down "s#@127\.0\.0\.1:$REDIS_PORT/#@127.0.0.1:$CLOSED_PORT/#" 'cache: ping' \
	'connection refused'
# REDISCLI_AUTH is the password when the URL has none, as for redis-cli.
sed -E 's#^url = redis://:[^@]*@#url = redis://#' "$CFG" >"$WORK/rediscli_auth.ini"
chmod 600 "$WORK/rediscli_auth.ini"
if REDISCLI_AUTH=$REDIS_PW run check_rediscli_auth 0 "$MLC" check -c "$WORK/rediscli_auth.ini"; then
	ok check_rediscli_auth
fi

# Unknown host key: an empty known_hosts for the head node.
: >"$WORK/empty_known_hosts"
chmod 600 "$WORK/empty_known_hosts"
awk -v kh="$WORK/empty_known_hosts" '
	/^\[/ { sect = $0 }
	sect == "[node head]" && /^known_hosts/ { print "known_hosts = " kh; next }
	{ print }' "$CFG" >"$WORK/unknown_key.ini"
chmod 600 "$WORK/unknown_key.ini"
if run check_unknown_host_key 1 "$MLC" check -c "$WORK/unknown_key.ini"; then
	if grep -q '^FAIL  head: ssh' "$WORK/check_unknown_host_key.out" &&
		grep '^FAIL  head: ssh' "$WORK/check_unknown_host_key.out" | grep -q 'SHA256:' &&
		[ "$(grep -c '^FAIL' "$WORK/check_unknown_host_key.out")" = 1 ] &&
		[ ! -s "$WORK/empty_known_hosts" ]; then
		ok check_unknown_host_key
	else
		notok check_unknown_host_key "$(cat "$WORK/check_unknown_host_key.out")"
	fi
fi

# Changed host key: the head's entry replaced by another ed25519 key.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other" >/dev/null
KH=$(awk '/^\[node head\]/{s=1} s && /^known_hosts/ {print $3; exit}' "$CFG")
{
	grep -v "^\[127.0.0.1\]:$SSH_HEAD_PORT " "$KH"
	echo "[127.0.0.1]:$SSH_HEAD_PORT $(cut -d' ' -f1,2 "$WORK/other.pub")"
} >"$WORK/changed_known_hosts"
chmod 600 "$WORK/changed_known_hosts"
awk -v kh="$WORK/changed_known_hosts" '
	/^\[/ { sect = $0 }
	sect == "[node head]" && /^known_hosts/ { print "known_hosts = " kh; next }
	{ print }' "$CFG" >"$WORK/changed_key.ini"
chmod 600 "$WORK/changed_key.ini"
if run check_changed_host_key 1 "$MLC" check -c "$WORK/changed_key.ini"; then
	if grep '^FAIL  head: ssh' "$WORK/check_changed_host_key.out" | grep -qi 'changed' &&
		[ "$(grep -c '^FAIL' "$WORK/check_changed_host_key.out")" = 1 ]; then
		ok check_changed_host_key
	else
		notok check_changed_host_key "$(cat "$WORK/check_changed_host_key.out")"
	fi
fi

# A dead service: stop Prefect, exactly its check fails, then bring it back.
tests/stack/stack stop "$STACK" prefect >/dev/null 2>&1
if run check_dead_service 1 "$MLC" check -c "$CFG"; then
	if grep -q '^FAIL  prefect: health' "$WORK/check_dead_service.out" &&
		[ "$(grep -c '^FAIL' "$WORK/check_dead_service.out")" = 1 ] &&
		grep '^FAIL  prefect' "$WORK/check_dead_service.out" | grep -qi 'refused'; then
		ok check_dead_service
	else
		notok check_dead_service "$(cat "$WORK/check_dead_service.out")"
	fi
fi
tests/stack/stack start "$STACK" prefect >/dev/null 2>&1

# HTTP 5xx from a service names the status and the server's words.
sim_mode "$MLFLOW_PORT" error500
if run check_http_500 1 "$MLC" check -c "$CFG"; then
	if grep '^FAIL  mlflow: health' "$WORK/check_http_500.out" | grep -q 'HTTP 500'; then
		ok check_http_500
	else
		notok check_http_500 "$(cat "$WORK/check_http_500.out")"
	fi
fi
sim_mode "$MLFLOW_PORT" ok

# Config errors: file:line and exit 2.
printf '[general]\nrefresh = soon\n' >"$WORK/bad.ini"
if run config_bad_value 2 "$MLC" check -c "$WORK/bad.ini"; then
	grep -q "bad.ini:2: refresh" "$WORK/config_bad_value.out" && ok config_bad_value ||
		notok config_bad_value "$(cat "$WORK/config_bad_value.out")"
fi
printf '[mlflow]\nurl = http://127.0.0.1:1\nthis is not ini\n' >"$WORK/syntax.ini"
if run config_syntax 2 "$MLC" check -c "$WORK/syntax.ini"; then
	grep -q "syntax.ini:3:" "$WORK/config_syntax.out" && ok config_syntax ||
		notok config_syntax "$(cat "$WORK/config_syntax.out")"
fi
cp "$CFG" "$WORK/readable.ini"
chmod 644 "$WORK/readable.ini"
if run config_secret_readable 2 "$MLC" check -c "$WORK/readable.ini"; then
	grep -q "chmod 600" "$WORK/config_secret_readable.out" &&
		! grep -q "S3RVER\|$(cat "$STACK/pgpass" 2>/dev/null | awk -F: '{print $NF}' | head -1)" "$WORK/config_secret_readable.out" &&
		ok config_secret_readable || notok config_secret_readable "$(cat "$WORK/config_secret_readable.out")"
fi
printf '[mlflow]\nurl = http://127.0.0.1:%s\ncolour = blue\n' "$MLFLOW_PORT" >"$WORK/unknown.ini"
if run config_unknown_key 0 "$MLC" check -c "$WORK/unknown.ini"; then
	grep -q "unknown.ini:3: unknown key 'colour'" "$WORK/config_unknown_key.out" && ok config_unknown_key ||
		notok config_unknown_key "$(cat "$WORK/config_unknown_key.out")"
fi
if run config_missing_file 2 "$MLC" check -c "$WORK/nope.ini"; then ok config_missing_file; fi
if run usage_error 2 "$MLC" --bogus; then ok usage_error; fi

# --env-file: the platform's docker-compose .env names are enough.
cat >"$WORK/platform.env" <<ENV
# docker-compose .env of the platform
MLFLOW_TRACKING_URI=http://127.0.0.1:$MLFLOW_PORT
MINIO_ADDRESS=127.0.0.1:$S3_PORT
MINIO_ACCESS_KEY=$S3_ACCESS_KEY
MINIO_SECRET_KEY="$S3_SECRET_KEY"
RAY_ADDRESS=http://127.0.0.1:$RAY_PORT
ENV
if run env_file 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$MLC" check --env-file "$WORK/platform.env" -c /dev/null; then
	if grep -q 'mlflow: experiments/search' "$WORK/env_file.out" && grep -q 's3: credentials' "$WORK/env_file.out" &&
		grep -q 'ray: alive nodes' "$WORK/env_file.out"; then
		ok env_file
	else
		notok env_file "$(cat "$WORK/env_file.out")"
	fi
fi

# MinIO's health endpoints: a cluster without write quorum fails `check`
# with that reason; a live, healthy one passes; a server without them
# (s3rver above) is "not a MinIO server".
minio() { # minio NAME LIVE CLUSTER EXPECTED_STATUS EXPECTED_HEALTH_LINE
	local name=$1 live=$2 cluster=$3 want=$4 line=$5 port pid
	exec 3< <(exec python3 tests/stack/minio_health.py --live "$live" --cluster "$cluster" </dev/null)
	pid=$!
	read -r port <&3
	printf '[s3 minio]\nendpoint = http://127.0.0.1:%s\naccess_key = k\nsecret_key = s\n' "$port" >"$WORK/$name.ini"
	chmod 600 "$WORK/$name.ini"
	"$MLC" check -c "$WORK/$name.ini" >"$WORK/$name.out" 2>&1
	local rc=$?
	kill "$pid" 2>/dev/null
	exec 3<&-
	if [ "$rc" != "$want" ]; then
		notok "$name" "exit $rc, expected $want" "$(cat "$WORK/$name.out")"
	elif ! grep -q "$line" "$WORK/$name.out"; then
		notok "$name" "no line matching '$line'" "$(cat "$WORK/$name.out")"
	else
		ok "$name"
	fi
}
minio check_minio_no_quorum 200 503 1 '^FAIL  minio: health .*no write quorum'
minio check_minio_healthy 200 200 1 '^ok    minio: health .*MinIO cluster healthy'
if grep -q '^ok    minio: health .*not a MinIO server' "$WORK/check_all_ok.out"; then
	ok check_not_minio
else
	notok check_not_minio "$(grep 'minio: health' "$WORK/check_all_ok.out")"
fi

# The Overview polls /minio/health/live first: a 503 there is the reason
# shown for the S3 row.
exec 3< <(exec python3 tests/stack/minio_health.py --live 503 --cluster 503 </dev/null)
mpid=$!
read -r mport <&3
printf '[s3 minio]\nendpoint = http://127.0.0.1:%s\naccess_key = k\nsecret_key = s\n' "$mport" >"$WORK/minio_live.ini"
chmod 600 "$WORK/minio_live.ini"
printf ':overview\n:save-display %s\n' "$WORK/minio_live.screen" >"$WORK/minio_live.script"
"$MLC" -c "$WORK/minio_live.ini" --script "$WORK/minio_live.script" --size 120x20 >"$WORK/minio_live.out" 2>&1
kill "$mpid" 2>/dev/null
exec 3<&-
if grep -q 'minio .*down.*MinIO is not live' "$WORK/minio_live.screen" 2>/dev/null; then
	ok overview_minio_not_live
else
	notok overview_minio_not_live "$(cat "$WORK/minio_live.screen" "$WORK/minio_live.out" 2>/dev/null)"
fi

# The command history outlives the session: a command run in one is in
# $XDG_STATE_HOME/mlconsole/history (mode 600) and Up brings it back in the
# next one.
hist_state=$WORK/hist-state
printf '":sort 1 desc\n<Enter>\n:save-display %s\n' "$WORK/hist1.screen" >"$WORK/hist1.script"
printf '":\n<Up> <Enter>\n:save-display %s\n' "$WORK/hist2.screen" >"$WORK/hist2.script"
XDG_STATE_HOME=$hist_state "$MLC" -c "$CFG" --script "$WORK/hist1.script" >"$WORK/hist1.out" 2>&1
XDG_STATE_HOME=$hist_state "$MLC" -c "$CFG" --script "$WORK/hist2.script" >"$WORK/hist2.out" 2>&1
hfile=$hist_state/mlconsole/history
if [ "$(cat "$hfile" 2>/dev/null)" = "sort 1 desc" ] && [ "$(stat -c %a "$hfile")" = 600 ] &&
	grep -q 'SERVICE▼' "$WORK/hist2.screen" 2>/dev/null; then
	ok command_history_persists
else
	notok command_history_persists "$(ls -l "$hfile" 2>&1; cat "$hfile" "$WORK/hist2.screen" "$WORK/hist2.out" 2>&1 | head -20)"
fi
