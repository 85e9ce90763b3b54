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

# A dead service: stop Prefect, exactly its checks fail (health and work
# pools), then bring it back.
tests/stack/stack stop "$STACK" prefect >/dev/null 2>&1
if run check_dead_service 1 "$MLC" check -c "$CFG"; then
	if grep -q '^FAIL  prefect: health' "$WORK/check_dead_service.out" &&
		[ "$(grep '^FAIL' "$WORK/check_dead_service.out" | grep -vc '^FAIL  prefect: ')" = 0 ] &&
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
chmod 600 "$WORK/platform.env" # it holds a secret: a readable one is refused (below)
if run env_file 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$MLC" check --env-file "$WORK/platform.env" -c /dev/null; then
	if grep -q 'mlflow: experiments/search' "$WORK/env_file.out" && grep -q 's3: credentials' "$WORK/env_file.out" &&
		grep -q 'ray: alive nodes' "$WORK/env_file.out"; then
		ok env_file
	else
		notok env_file "$(cat "$WORK/env_file.out")"
	fi
fi

# An env file holding a secret that others can read is refused as a config
# file is; an unbalanced quote names the line and the cause; -c DIR and
# --env-file DIR say it is a directory.
cp "$WORK/platform.env" "$WORK/open.env"
chmod 644 "$WORK/open.env"
if run env_file_readable 2 "$MLC" check --env-file "$WORK/open.env" -c /dev/null; then
	grep -q "open.env:5: holds a secret (MINIO_SECRET_KEY) but group or others can read the file; run: chmod 600 " "$WORK/env_file_readable.out" &&
		! grep -q "$S3_SECRET_KEY" "$WORK/env_file_readable.out" && ok env_file_readable ||
		notok env_file_readable "$(cat "$WORK/env_file_readable.out")"
fi
printf 'MLFLOW_TRACKING_URI=http://127.0.0.1:1\nPOSTGRES_PASSWORD="unterminated\n' >"$WORK/quote.env"
chmod 600 "$WORK/quote.env"
if run env_file_quote 2 "$MLC" check --env-file "$WORK/quote.env" -c /dev/null; then
	grep -q "quote.env:2: POSTGRES_PASSWORD: unbalanced quote: a quoted value ends with the same quote on its line" "$WORK/env_file_quote.out" &&
		! grep -q unterminated "$WORK/env_file_quote.out" && ok env_file_quote ||
		notok env_file_quote "$(cat "$WORK/env_file_quote.out")"
fi
mkdir -p "$WORK/confdir"
if run config_dir 2 "$MLC" check -c "$WORK/confdir"; then
	grep -q "confdir: is a directory (-c takes the config file itself" "$WORK/config_dir.out" && ok config_dir ||
		notok config_dir "$(cat "$WORK/config_dir.out")"
fi
if run env_file_dir 2 "$MLC" check --env-file "$WORK/confdir" -c /dev/null; then
	grep -q "confdir: is a directory" "$WORK/env_file_dir.out" && ok env_file_dir ||
		notok env_file_dir "$(cat "$WORK/env_file_dir.out")"
fi

# A config line longer than inih's 200 bytes loads (a long conninfo, a long
# bucket list); text from the config is escaped in warnings, check and
# check --json, and a section name with invalid UTF-8 keeps its "name".
awk -v pad="$(printf '%0300d' 0)" '/^conninfo = /{ print $0 " application_name=mlconsole-" pad; next } { print }' "$CFG" >"$WORK/longline.ini"
printf '\n[http we\033[2Jird\377]\nurl = http://127.0.0.1:%s/api/health\nbogus\033]0;x\007 = 1\n' "$WEB_PORT" >>"$WORK/longline.ini"
chmod 600 "$WORK/longline.ini"
"$MLC" check -c "$WORK/longline.ini" >"$WORK/longline.out" 2>&1
"$MLC" check --json -c "$WORK/longline.ini" >"$WORK/longline.json" 2>/dev/null
if grep -q '^ok    postgres: connect' "$WORK/longline.out" &&
	grep -qF "unknown key 'bogus\e]0;x^G' in [http we\e[2Jird\xff]" "$WORK/longline.out" &&
	grep -qF 'ok    we\e[2Jird\xff: health' "$WORK/longline.out" &&
	! grep -q "$(printf '\033')" "$WORK/longline.out" &&
	python3 - "$WORK/longline.json" <<'PY' 2>"$WORK/longline.err"; then
import json, sys
d = json.load(open(sys.argv[1]))
names = [c.get("name") for c in d["checks"]]
assert all(isinstance(n, str) for n in names), names
w = [n for n in names if n.startswith("we")]
assert w == ["we\\e[2Jird\\xff: health"], w
PY
	ok config_long_line_and_sanitized_names
else
	notok config_long_line_and_sanitized_names "$(cat "$WORK/longline.out" "$WORK/longline.err")"
fi

# MinIO's health endpoints: a cluster without write quorum is degraded in
# `check`, with that reason; a live, healthy one passes; a server without them
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
minio check_minio_no_quorum 200 503 1 '^warn  minio: health .*degraded$'
# ... degraded, not failed (it answers and serves reads), the reason below
if grep -A1 '^warn  minio: health' "$WORK/check_minio_no_quorum.out" | grep -q '^      HTTP 503: the MinIO cluster has no write quorum$'; then
	ok check_minio_no_quorum_reason
else
	notok check_minio_no_quorum_reason "$(cat "$WORK/check_minio_no_quorum.out")"
fi
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

# A service that answers but reports a degraded state is "warn ... degraded"
# with the reason on the line below, in `check` (it does not fail it) and
# "▲ degraded" in the Overview with the reason on the detail line: the
# stack's Ray has a dead node; /__mode/degraded/ makes the Airflow
# simulator report its scheduler unhealthy and Prefect's a pool NOT_READY.
if grep -A1 '^warn  ray: alive nodes .*degraded$' "$WORK/check_all_ok.out" | grep -q '^      3 alive, 1 dead$' &&
	grep -q '^[0-9]* checks, 0 failed, [0-9]* degraded$' "$WORK/check_all_ok.out"; then
	ok check_ray_degraded
else
	notok check_ray_degraded "$(grep -A1 'ray:' "$WORK/check_all_ok.out")"
fi
if python3 - "$WORK/check_json.out" <<'PY' 2>"$WORK/degraded_json.err"; then
import json, sys
d = json.load(open(sys.argv[1]))
row = [c for c in d["checks"] if c["name"] == "ray: alive nodes"][0]
assert row["ok"] is True and row["degraded"] is True and row["detail"] == "3 alive, 1 dead", row
assert d["degraded"] >= 1 and d["ok"] is True, d["degraded"]
assert all(c["degraded"] is False for c in d["checks"] if c["name"].startswith("mlflow")), d
PY
	ok check_json_degraded
else
	notok check_json_degraded "$(cat "$WORK/degraded_json.err")"
fi
sed -E -e "s|^url = (http://127.0.0.1:$AIRFLOW_PORT)/api/v1|url = \1/__mode/degraded/api/v1|" \
	-e "s|^url = (http://127.0.0.1:$PREFECT_PORT)/api|url = \1/__mode/degraded/api|" "$CFG" >"$WORK/degraded.ini"
chmod 600 "$WORK/degraded.ini"
if run check_flows_degraded 0 "$MLC" check -c "$WORK/degraded.ini"; then
	if grep -A1 '^warn  airflow: health .*degraded$' "$WORK/check_flows_degraded.out" | grep -q '^      scheduler unhealthy (last heartbeat ' &&
		grep -A1 '^warn  prefect: work pools .*degraded$' "$WORK/check_flows_degraded.out" | grep -q '^      work pool default-agent-pool NOT_READY'; then
		ok check_flows_degraded
	else
		notok check_flows_degraded "$(grep -A1 -E 'airflow|prefect' "$WORK/check_flows_degraded.out")"
	fi
fi
printf ':overview\n:save-display %s\n/airflow\n<Enter>\n:save-display %s\n' "$WORK/degraded.screen" "$WORK/degraded2.screen" >"$WORK/degraded.script"
"$MLC" -c "$WORK/degraded.ini" --script "$WORK/degraded.script" --size 120x30 >"$WORK/degraded.out" 2>&1
if grep -q '^ ray .*▲ degraded .*1 of 4 nodes dead' "$WORK/degraded.screen" 2>/dev/null &&
	grep -q '^ prefect .*▲ degraded .*work pool default-a' "$WORK/degraded.screen" &&
	grep -q '^ airflow .*▲ degraded .*scheduler unhealthy' "$WORK/degraded.screen" &&
	grep -q '^ mlflow .*● ok' "$WORK/degraded.screen" &&
	grep -q '^ ray: degraded — 1 of 4 nodes dead' "$WORK/degraded.screen" &&
	grep -q 'degraded .*scheduler unhealthy (last heartbeat' "$WORK/degraded2.screen"; then
	ok overview_degraded
else
	notok overview_degraded "$(cat "$WORK/degraded.screen" "$WORK/degraded2.screen" "$WORK/degraded.out" 2>/dev/null)"
fi

# Expected extensions are looked up in the databases they are expected in:
# a bare name in every listed database (the stack's pgcrypto lives in
# vector_db only), DB:EXT in DB alone; the line names the database.
if grep -q '^ok    postgres: extension pgcrypto in vector_db .*installed$' "$WORK/check_all_ok.out"; then
	ok check_extension_in_its_database
else
	notok check_extension_in_its_database "$(grep 'extension' "$WORK/check_all_ok.out")"
fi
variant check_extension_db_form 's/^extensions = .*/extensions = vector_db:pgcrypto mlflowdb:pgcrypto/' 'postgres: extension pgcrypto in mlflowdb'
if grep -q '^ok    postgres: extension pgcrypto in vector_db' "$WORK/check_extension_db_form.out" &&
	grep -q '^FAIL  postgres: extension pgcrypto in mlflowdb .*missing: extension pgcrypto is not installed in mlflowdb$' "$WORK/check_extension_db_form.out"; then
	ok check_extension_db_form_lines
else
	notok check_extension_db_form_lines "$(grep 'extension' "$WORK/check_extension_db_form.out")"
fi
if grep -q '^FAIL  postgres: extension vector .*missing: extension vector is not installed in mlflowdb or vector_db$' "$WORK/check_missing_extension.out"; then
	ok check_missing_extension_names_databases
else
	notok check_missing_extension_names_databases "$(grep 'extension' "$WORK/check_missing_extension.out")"
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
