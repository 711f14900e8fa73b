# SPDX-License-Identifier: BSD-3-Clause
# lib-renew.sh - helpers of the `hwenroll renew` tests (source after lib.sh).
#
#   tl TEXT...           append one line to the renewal timeline ($TL):
#                        "ALIAS due_at=WHEN sent=WHAT result=RESULT"
#   tl_print             print the timeline (stderr) under "== renewal timeline"
#   jget ALIAS FIELD     FIELD of ALIAS's record in renew --json output ($T/out)
#   serial ALIAS         the serial of certs/ALIAS.pem
#   na ALIAS             notAfter of certs/ALIAS.pem (Unix time)
#   wait_until T         sleep until the Unix time T (+1 s)
#   reqs                 number of requests the server in $T/srv logged
#   core_snapshot NAME / core_unchanged NAME WHAT
#                        the certificate, key and profile files (the renewal
#                        state may change) are as at the snapshot
#
#   renew_hw_scenario ALIAS ENROLL-ARGS...
#                        the renewal of a hardware-backed alias from its
#                        profile: not due (no network), due (/simplereenroll
#                        over mutual TLS with the device key, same key),
#                        --rekey (a new device key, the old one gone), 202
#                        then resume (the same CSR bytes again), a device that
#                        cannot be reached (keystore unchanged, a hint).  The
#                        test defines (or takes from renew_dev_pkcs11 /
#                        renew_dev_tpm2) dev_pub ALIAS (public key of the
#                        stored key, PEM) and dev_objects (what the device
#                        holds, one line), and dev_unreachable (renew options
#                        that make the device unreachable); the server runs in $T/srv
#                        (est_start "$T/srv" "${RENEW_SRV_ARGS[@]}": renewals get a
#                        202 first, enrollments not).
# (no /csrattrs, so no proof-of-possession: a request bound to its TLS
# connection is signed again for the next one, see software_renew.sh)
RENEW_SRV_ARGS=(--user device --pass-file "$T/pass" --pending 1 --pending-op simplereenroll
	--retry-after 1 --log-csr --csrattrs-empty)
TL=$T/timeline
: >"$TL"
tl() { echo "$*" >>"$TL"; }
tl_print() {
	echo "== renewal timeline" >&2
	cat "$TL" >&2
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=[x for x in d if x["alias"]==sys.argv[2]][0]; print(r.get(sys.argv[3]))' "$T/out" "$@"; }
wait_until() { local d=$(($1 + 1 - $(date +%s))); [ $d -le 0 ] || sleep $d; }
na() { date -d "$(openssl x509 -in "$KS/certs/$1.pem" -noout -enddate | cut -d= -f2)" +%s; }
serial() { openssl x509 -in "$KS/certs/$1.pem" -noout -serial; }
reqs() { grep -c . "$T/srv/requests.log" || true; }
core_snapshot() { (cd "$KS" && sha256sum certs/* keys/* | sort) >"$T/core.$1"; }
core_unchanged() {
	(cd "$KS" && sha256sum certs/* keys/* | sort) >"$T/core.after"
	diff -u "$T/core.$1" "$T/core.after" >&2 || fail "certificate/key changed: $2"
}

# renew_dev_pkcs11 / renew_dev_tpm2: dev_pub and dev_objects for the token
# of softhsm_setup (its objects, counted with pkcs11-tool; dev_save and
# dev_restore copy its token directory) or the TPM of tpm_fixture (its
# persistent and loaded transient handles, asked from swtpm itself)
renew_dev_pkcs11() {
	dev_pub() { openssl_p11 pkey -in "$(cat "$KS/keys/$1.p11")?pin-value=1234" -pubout 2>/dev/null; }
	dev_objects() {
		echo "$(pkcs11-tool --module "$SOFTHSM_MODULE" --token-label hwe-tok -l -p 1234 -O 2>/dev/null |
			grep -c 'Object;') objects"
	}
	dev_save() { cp -a "$T/tokens" "$1"; }
	dev_restore() { rm -rf "$T/tokens"; cp -a "$1" "$T/tokens"; }
}
renew_dev_tpm2() {
	dev_pub() { TPM2OPENSSL_TCTI=$TPM_TCTI openssl pkey -provider tpm2 -provider default -in "$KS/keys/$1.tss2" -pubout; }
	dev_objects() {
		echo "persistent: $(tpm2_getcap -T "$SWTPM_TCTI" handles-persistent | tr -d '\n -'); transient: $(tpm2_getcap -T "$SWTPM_TCTI" handles-transient | tr -d '\n -')"
	}
}

# the stored key and the certificate carry the same public key
key_matches_cert() {
	cmp -s <(dev_pub "$1") <(openssl x509 -in "$KS/certs/$1.pem" -noout -pubkey) ||
		fail "$2: the key of alias '$1' does not match its certificate"
}

renew_hw_scenario() {
	local a=$1 url pub1 key1 s1 objs csr1 csr2
	shift
	url=$(est_url "$T/srv" "" simpleenroll)

	step "[$a] enroll records the device options in the profile (no secrets)"
	ok enroll --uri "$url" --key-alias "$a" --csr-conf device.conf --estc-user device \
		--estc-pass-file "$T/pass" "$@"
	check_cert "$a" "$T/srv"
	key_matches_cert "$a" enroll
	cat "$KS/certs/$a.profile" >&2
	grep -qx "uri=$url" "$KS/certs/$a.profile" || fail "profile lacks the URL"
	grep -qF "$(cat "$T/pass")" "$KS/certs/$a.profile" && fail "the password is in the profile"
	objs=$(dev_objects)
	echo "device holds: $objs" >&2

	step "[$a] not due: no network, says when it will be due"
	: >"$T/srv/requests.log"
	ok renew --key-alias "$a" --json
	[ "$(jget "$a" result)" = not-due ] || fail "not due: $(cat "$T/out")"
	[ "$(reqs)" = 0 ] || fail "a not-due run used the network"
	tl "$a due_at=$(jget "$a" due_at) sent=nothing result=not-due"

	step "[$a] due (--before 400, a 365-day certificate): /simplereenroll over mutual TLS, signed by the device key; a 202 is kept"
	s1=$(serial "$a")
	pub1=$(cert_pub "$a")
	key1=$(sha256sum <"$KS/keys/$a".*)
	core_snapshot pend
	expect 8 "" renew --key-alias "$a" --before 400 --max-wait 0 --retry-for 0
	core_unchanged pend "a 202"
	[ -f "$KS/req/$a.pending" ] && [ -f "$KS/req/$a.csr" ] || fail "the pending request is not kept: $(ls "$KS/req")"
	tl "$a due_at=$(date -u -d @$(($(na "$a") - 400 * 86400)) +%FT%TZ) (--before 400) sent=simplereenroll result=202 pending (exit 8)"

	step "[$a] the next run resumes the saved request: the same CSR bytes"
	ok renew --key-alias "$a" --before 400 --json
	[ "$(jget "$a" result)" = renewed ] && [ "$(jget "$a" operation)" = simplereenroll ] &&
		[ "$(jget "$a" rekeyed)" = False ] || fail "due: $(cat "$T/out")"
	[ "$(serial "$a")" != "$s1" ] || fail "no new certificate"
	[ "$(cert_pub "$a")" = "$pub1" ] || fail "the key changed without --rekey"
	[ "$(sha256sum <"$KS/keys/$a".*)" = "$key1" ] || fail "a same-key renewal rewrote the key file"
	[ ! -e "$KS/req/$a.pending" ] || fail "the pending marker outlived the renewal"
	check_cert "$a" "$T/srv"
	key_matches_cert "$a" "same-key renewal"
	grep "POST .*/simplereenroll" "$T/srv/requests.log" >&2
	grep -q "POST .*/simplereenroll 200 client=.*CN *= *$a" "$T/srv/requests.log" ||
		fail "the server did not see the device key's certificate"
	csr1=$(grep "POST .*/simplereenroll 202 " "$T/srv/requests.log" | sed -n 's/.* csr=\([0-9a-f-]*\).*/\1/p')
	csr2=$(grep "POST .*/simplereenroll 200 " "$T/srv/requests.log" | sed -n 's/.* csr=\([0-9a-f-]*\).*/\1/p')
	[ -n "$csr1" ] && [ "$csr1" != - ] && [ "$csr1" = "$csr2" ] ||
		fail "the resumed request is not the saved CSR: 202 for csr=$csr1, 200 for csr=$csr2"
	tl "$a due_at=$(jget "$a" due_at) (--before 400) sent=simplereenroll (the saved CSR $csr1 again) result=renewed"
	[ "$(dev_objects)" = "$objs" ] || fail "the device holds '$(dev_objects)', before '$objs'"

	step "[$a] --force --rekey: a new device key (its 202 waited out in the run); the old one is gone from the device"
	ok renew --key-alias "$a" --force --rekey --max-wait 30 --json
	[ "$(jget "$a" result)" = renewed ] && [ "$(jget "$a" rekeyed)" = True ] || fail "rekey: $(cat "$T/out")"
	tl "$a due_at=forced sent=simplereenroll+rekey (202, resumed after Retry-After: 1) result=renewed"
	[ "$(cert_pub "$a")" != "$pub1" ] || fail "--rekey kept the key"
	[ "$(sha256sum <"$KS/keys/$a".*)" != "$key1" ] || fail "--rekey kept the key file"
	check_cert "$a" "$T/srv"
	key_matches_cert "$a" rekey
	[ "$(dev_objects)" = "$objs" ] || fail "after the rekey the device holds '$(dev_objects)', before '$objs'"
	[ -z "$(ls "$KS/req" | grep -E "^$a\.(new|old|pending)")" ] || fail "rekey left a key record: $(ls "$KS/req")"

	step "[$a] the device cannot be reached: nothing changes, and the error says what to do"
	core_snapshot dev
	hwe renew --key-alias "$a" --force --retry-for 0 $(dev_unreachable)
	[ "$rc" = 11 ] || { cat "$T/err" >&2; fail "unreachable device: exit $rc, expected 11 (key backend)"; }
	once
	grep -q "HINT: " "$T/err" || { cat "$T/err" >&2; fail "no hint"; }
	core_unchanged dev "device unreachable"
	tl "$a due_at=forced sent=nothing (device unreachable) result=exit 11"
	ok renew --key-alias "$a" --force
	key_matches_cert "$a" "after the device is back"
}
