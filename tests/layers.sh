#!/usr/bin/env bash
# tests/layers.sh FILE — the layering rules of DESIGN.md, checked on every
# compile of lib/ and panels/ (the Makefile calls it): prints the offending
# include lines and exits 1 when FILE breaks one.
#   lib/**         never curses, tui/ or panels/
#   lib/core/      only lib/core/ among lib headers
#   lib/CLIENT/    lib/core/ and lib/CLIENT/ only (never another client, never lib/health/)
#   lib/health/    any lib/ folder (health uses the clients)
#   panels/        never curses, curl, libpq, libssh2, jansson
set -u
f=$1
bad() { echo "$f: $1" >&2; exit 1; }
incs=$(grep -nE '^[[:space:]]*#[[:space:]]*include' "$f")
case $f in
lib/*)
	if echo "$incs" | grep -E '[<"](n?curses|ncursesw/|tui/|panels/)'; then
		bad "lib/ must not include curses, tui/ or panels/"
	fi
	dir=$(echo "$f" | cut -d/ -f2)
	case $dir in
	health) ;;
	core)
		if echo "$incs" | grep -E '"lib/' | grep -vE '"lib/core/'; then
			bad "lib/core/ includes only lib/core/ headers"
		fi
		;;
	*)
		if echo "$incs" | grep -E '"lib/' | grep -vE "\"lib/(core|$dir)/"; then
			bad "a client (lib/$dir/) uses lib/core/ only, never another client or lib/health/"
		fi
		;;
	esac
	;;
panels/*)
	if echo "$incs" | grep -E '[<"](n?curses|ncursesw/|curl/|libpq-fe|libssh2|jansson)'; then
		bad "panels/ never include curses, curl, libpq, libssh2 or jansson: ask lib/ and tui/"
	fi
	;;
esac
exit 0
