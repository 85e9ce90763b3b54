#!/usr/bin/env bash
# tests/stack/demo.sh — `make demo`: start the local platform, open the
# console on it, stop everything when the console exits.
set -u
cd "$(dirname "$0")/../.."
echo "starting the local platform (PostgreSQL, sshd x3, Prometheus, S3, MLflow/Ray/Prefect/Airflow simulators)..." >&2
DIR=$(tests/stack/stack up "$@" | tail -1)
if [ -z "$DIR" ] || [ ! -d "$DIR" ]; then
	echo "the local stack did not start; see the messages above" >&2
	exit 1
fi
trap 'tests/stack/stack down "$DIR" >/dev/null 2>&1' EXIT INT TERM
cat >&2 <<MSG
stack up in $DIR
  try: tests/stack/stack stop $DIR mlflow     (in another terminal: the row turns down)
       tests/stack/stack start $DIR mlflow    (and back)
MSG
if [ ! -t 0 ] || [ ! -t 1 ]; then
	echo "no terminal: running 'mlconsole check' instead" >&2
	build/mlconsole check -c "$DIR/mlconsole.ini"
	exit $?
fi
build/mlconsole -c "$DIR/mlconsole.ini"
