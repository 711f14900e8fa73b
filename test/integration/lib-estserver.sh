# SPDX-License-Identifier: BSD-3-Clause
# lib-estserver.sh - start/stop the test EST server (hwe-estserver) from bash tests.
#
# Source it from an integration test:
#   . "$(dirname "$0")/lib-estserver.sh"     (or "$HWE_TOP_SRCDIR/test/integration/lib-estserver.sh")
#   est_start "$dir" --user u --pass-file "$dir/pass" || exit 1
#   url=$(est_url "$dir" simpleenroll)
#   ...
# Servers started with est_start are stopped when the shell exits (EXIT trap).
# A test that needs its own EXIT cleanup registers it with hwe_at_exit "cmd"
# instead of calling trap (a later `trap ... EXIT` would replace ours; if a
# test does that anyway, it must call est_cleanup itself).
#
# Functions:
#   est_start DIR [server args...]  start "$ESTSERVER" --dir DIR ..., wait <= 10 s for
#                                   DIR/port, export EST_PORT (and EST_DIR)
#   est_stop DIR                    stop the server recorded in DIR/server.pid, wait
#   est_url DIR [LABEL-PATH] OP     https://127.0.0.1:PORT/.well-known/est[/LABEL-PATH]/OP
#   est_url_localhost DIR [LABEL-PATH] OP   the same with host "localhost"
#   est_port DIR                    print the port
#   est_log_count DIR PATTERN       lines of DIR/requests.log matching the grep PATTERN
#   est_cleanup                     stop every server this shell started
#   hwe_at_exit CMD                 run CMD (eval'd) at exit, before servers are stopped
#   hwe_mktemp VAR                  VAR=$(mktemp -d), removed at exit unless HWE_KEEP_TMP=1
#                                   (call it directly, not inside $(...))
#
# Environment (set by `make check`, defaulted here when run by hand from a
# build directory or the source tree): ESTSERVER, HWENROLL, HWE_TOP_SRCDIR,
# HWE_TOP_BUILDDIR.  Server output goes to DIR/server.log.

_est_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${HWE_TOP_SRCDIR:=$(cd "$_est_lib_dir/../.." && pwd)}"
if [ -z "${HWE_TOP_BUILDDIR:-}" ]; then
	if [ -x "$PWD/test/estserver/hwe-estserver" ] || [ -f "$PWD/config.status" ]; then
		HWE_TOP_BUILDDIR=$PWD
	else
		HWE_TOP_BUILDDIR=$HWE_TOP_SRCDIR
	fi
fi
: "${ESTSERVER:=$HWE_TOP_BUILDDIR/test/estserver/hwe-estserver}"
: "${HWENROLL:=$HWE_TOP_BUILDDIR/src/hwenroll}"
export HWE_TOP_SRCDIR HWE_TOP_BUILDDIR ESTSERVER HWENROLL

_est_dirs=()
_est_exit_cmds=()
_est_tmpdirs=()

hwe_at_exit() {
	_est_exit_cmds+=("$1")
}

est_cleanup() {
	local i d
	# a signal now must not cut the cleanup short ('exit 1' below would)
	trap '' INT TERM HUP
	for ((i = ${#_est_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_est_exit_cmds[$i]}" || true
	done
	_est_exit_cmds=()
	for d in "${_est_dirs[@]}"; do
		est_stop "$d" 2>/dev/null || true
	done
	_est_dirs=()
	if [ "${HWE_KEEP_TMP:-0}" != 1 ]; then
		for d in "${_est_tmpdirs[@]}"; do
			rm -rf -- "$d"
		done
	elif [ ${#_est_tmpdirs[@]} -gt 0 ]; then
		echo "kept: ${_est_tmpdirs[*]}" >&2
	fi
	_est_tmpdirs=()
}
trap 'est_cleanup' EXIT
trap 'exit 1' INT TERM HUP

hwe_mktemp() {
	local _d
	if [ $# -ne 1 ]; then
		echo "usage: hwe_mktemp VARNAME (not in \$(...): the dir must be registered here)" >&2
		return 1
	fi
	_d=$(mktemp -d "${TMPDIR:-/tmp}/hwe-test.XXXXXX") || return 1
	_est_tmpdirs+=("$_d")
	printf -v "$1" '%s' "$_d"
}

est_start() {
	local dir=$1 pid i
	shift
	if [ -z "$dir" ]; then
		echo "est_start: DIR missing" >&2
		return 1
	fi
	if [ ! -x "$ESTSERVER" ]; then
		echo "est_start: no test EST server at '$ESTSERVER' (make check builds it)" >&2
		return 1
	fi
	mkdir -p "$dir" || return 1
	rm -f "$dir/port" "$dir/pid" "$dir/server.pid"
	"$ESTSERVER" --dir "$dir" "$@" >"$dir/server.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/server.pid"
	_est_dirs+=("$dir")
	for ((i = 0; i < 200; i++)); do
		if [ -s "$dir/port" ]; then
			EST_PORT=$(cat "$dir/port")
			EST_DIR=$dir
			export EST_PORT EST_DIR
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			echo "est_start: hwe-estserver exited with status $? before listening:" >&2
			sed 's/^/  /' "$dir/server.log" >&2
			rm -f "$dir/server.pid"
			return 1
		fi
		sleep 0.05
	done
	echo "est_start: hwe-estserver did not write '$dir/port' within 10 s" >&2
	est_stop "$dir"
	return 1
}

est_stop() {
	local dir=$1 pid i
	[ -f "$dir/server.pid" ] || return 0
	pid=$(cat "$dir/server.pid")
	rm -f "$dir/server.pid"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "est_stop: server $pid did not stop on SIGTERM, killing it" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

est_port() {
	cat "$1/port"
}

_est_url() {
	local host=$1 dir=$2 label op port
	if [ $# -ge 4 ]; then
		label=${3#/}
		label=${label%/}
		op=$4
	else
		label=
		op=$3
	fi
	port=$(cat "$dir/port") || return 1
	if [ -n "$label" ]; then
		echo "https://$host:$port/.well-known/est/$label/$op"
	else
		echo "https://$host:$port/.well-known/est/$op"
	fi
}

est_url() {
	_est_url 127.0.0.1 "$@"
}

est_url_localhost() {
	_est_url localhost "$@"
}

est_log_count() {
	grep -c -- "$2" "$1/requests.log" 2>/dev/null || true
}
