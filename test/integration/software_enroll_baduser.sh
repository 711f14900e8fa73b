#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# software_enroll_baduser.sh - issue 15 item 3: a user name with a control
# character (CR LF would end the Authorization header and start a header of
# the attacker's choosing) or a ':' (RFC 7617: not in a Basic user-id) is
# refused before anything is sent and before the keystore is touched: exit
# 2 (usage), the error names the option or variable and the character's
# position, the raw control characters are never echoed, the server sees
# no request at all and the keystore is unchanged.  Every source of the
# user name: --estc-user, EST_USERNAME, the config file; every command that
# takes it (enroll, reenroll, certificate est).
. "$(dirname "$0")/lib.sh"
set -e
need openssl
pw_init
est_start "$T/srv" --user device --pass-file "$T/pass" --auth digest
hwe_on_exit est_stop "$T/srv"
ks_init "$T/srv" dev1
URL=$(est_url "$T/srv" "" simpleenroll)

step "a good user name works (Digest)"
ok enroll --uri "$URL" --key-alias dev1 --csr-conf device.conf --estc-user device --estc-pass-file "$T/pass"
check_cert dev1 "$T/srv"

# refused CODE PATTERN ARGS...: exit 2, one ERROR line matching PATTERN, no
# raw control character and no injected text on stderr, no request at the
# server, the keystore as it was
refused() {
	local pat=$1
	shift
	: >"$T/srv/requests.log"
	ks_snapshot before
	expect 2 "$pat" "$@"
	once
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/err"; then
		od -c "$T/err" | head >&2; fail "a control character was echoed on stderr"
	fi
	[ "$(grep -c . "$T/err")" -le 2 ] || { cat "$T/err" >&2; fail "the error spans more lines than ERROR + HINT"; }
	grep -q "X-Injected" "$T/err" && { cat "$T/err" >&2; fail "the user name was echoed"; }
	[ ! -s "$T/srv/requests.log" ] || { cat "$T/srv/requests.log" >&2; fail "a request reached the server"; }
	ks_unchanged before "refused user name"
	[ ! -e "$KS/keys/new1.pem" ] || fail "a key was generated for a refused run"
}
INJ=$'dev\r\nX-Injected: yes'
step "CR LF in --estc-user"
refused "bad EST user name from --estc-user: control character 0x0d at position 4" \
	enroll --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-user "$INJ" --estc-pass-file "$T/pass"
grep -q "HINT: a user name cannot contain control characters" "$T/err" || { cat "$T/err"; fail "no hint"; }

step "LF in EST_USERNAME"
EST_USERNAME=$'device\nX-Injected: yes' EST_PASS=$(cat "$T/pass") \
	refused "bad EST user name from EST_USERNAME: control character 0x0a at position 7" \
	enroll --uri "$URL" --key-alias new1 --csr-conf device.conf

step "a tab inside estc-user of the config file"
printf 'estc-user=dev\tice\n' >"$T/hwe.conf"
refused "bad EST user name from 'estc-user' in config file '$T/hwe.conf': control character 0x09 at position 4" \
	--config "$T/hwe.conf" enroll --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-pass-file "$T/pass"

step "DEL and NUL-free escape characters"
refused "control character 0x7f at position 2" \
	enroll --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-user $'d\x7fevice' --estc-pass-file "$T/pass"
refused "control character 0x1b at position 1" \
	enroll --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-user $'\x1b[2Jdevice' --estc-pass-file "$T/pass"

step "':' in the user name (RFC 7617)"
refused "bad EST user name from --estc-user: ':' at position 4" \
	enroll --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-user 'dev:ice' --estc-pass-file "$T/pass"
grep -q "HINT: RFC 7617 forbids ':' in a Basic user-id" "$T/err" || { cat "$T/err"; fail "no RFC 7617 hint"; }

step "reenroll and certificate est refuse it too"
refused "bad EST user name from --estc-user: control character 0x0d" \
	reenroll --uri "$URL" --key-alias dev1 --estc-user "$INJ" --estc-pass-file "$T/pass"
refused "bad EST user name from --estc-user: control character 0x0a at position 1" \
	certificate est --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-user $'\nroot' --estc-pass x
EST_USERNAME='a:b' refused "bad EST user name from EST_USERNAME: ':' at position 2" \
	certificate est --uri "$URL" --key-alias new1 --csr-conf device.conf --estc-pass x

step "non-ASCII (UTF-8) user names are not control characters"
: >"$T/srv/requests.log"
hwe enroll --uri "$URL" --key-alias new2 --csr-conf device.conf --estc-user 'dévice' --estc-pass-file "$T/pass"
[ "$rc" -eq 6 ] || { cat "$T/err"; fail "UTF-8 user name: exit $rc, expected 6 (rejected by the server)"; }
[ -s "$T/srv/requests.log" ] || fail "the UTF-8 user name was not sent"
exit 0
