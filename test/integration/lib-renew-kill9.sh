# SPDX-License-Identifier: BSD-3-Clause
# lib-renew-kill9.sh - the power-loss matrix of `hwenroll renew` (issue 12,
# item 8), for one key backend: kill -9 at keystore events of `renew
# --force` and `renew --force --rekey` (lib-kill9.sh: exact, by strace's
# syscall tampering), then check that the alias is wholly old or wholly new
# (certificate, key or key reference and profile agree), that the next
# `renew` succeeds, and that it leaves no temp file, journal, lock, key
# record or device key object behind.  Source after lib.sh, lib-kill9.sh
# and lib-renew.sh.
#
# The test defines dev_pub ALIAS (the stored key's public key, PEM),
# dev_objects (what the device holds, one line; "" for none), and
# optionally dev_save DIR / dev_restore DIR (the device's own state, e.g.
# a SoftHSM token directory), then:
#
#   k9r_setup BACKEND ENROLL-ARGS...   server, keystore, alias "dev"
#                                      enrolled, the state every run starts from
#   k9r_matrix STAGE EVENTS RENEW-ARGS...
#                                      the reference run of renew RENEW-ARGS
#                                      and a kill at each event of EVENTS:
#                                      "all", "no-writes" (every event but
#                                      the writes),
#                                      or some of "first journal
#                                      after-journal cert journal-removed
#                                      after-commit last" (the stage
#                                      boundaries of the certificate's
#                                      commit) - one matrix row each
#                                      (after it: K9R_J, K9R_R the events of
#                                      the certificate commit's journal rename
#                                      and removal in $T/ref, K9R_LOCKS,
#                                      K9R_KEYTMPS, K9R_ORPHANS how many kills
#                                      left a lock, a key temp file, a device key)
#   k9r_report                         the rows (stderr)
# Rows: BACKEND STAGE event N/M (WHAT): alias old|new, left: ..., next renew ok
K9R_ROWS=$T/k9r.rows
: >"$K9R_ROWS"

k9r_base_save() {
	rm -rf "$T/k9r.base"
	mkdir -p "$T/k9r.base"
	cp -a "$KS" "$T/k9r.base/ks"
	if declare -F dev_save >/dev/null; then dev_save "$T/k9r.base/dev"; fi
}
k9r_base_restore() {
	rm -rf "$KS"
	cp -a "$T/k9r.base/ks" "$KS"
	if declare -F dev_restore >/dev/null; then dev_restore "$T/k9r.base/dev"; fi
}

k9r_setup() {
	K9R_BACKEND=$1
	shift
	est_start "$T/srv" --user device --pass-file "$T/pass"
	ks_init "$T/srv" dev
	ok enroll --uri "$(est_url "$T/srv" "" simpleenroll)" --key-alias dev --csr-conf device.conf \
		--estc-user device --estc-pass-file "$T/pass" --timeout 10 --connect-timeout 5 "$@"
	key_matches_cert dev enroll
	K9R_OBJECTS=$(dev_objects)
	K9R_PROFILE=$(sha256sum <"$KS/certs/dev.profile")
	k9r_base_save
}

# the alias after a kill: `show` rolls an interrupted commit forward; then
# key and certificate agree, the certificate verifies, the profile is the
# enrollment's.  Sets $state: old (the serial of $1) or new.
k9r_consistent() {
	local what=$1 old=$2
	hwe show --key-alias dev
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "$what: show exited $rc"; }
	[ -e "$KS/req/dev.journal" ] && fail "$what: journal still there after show"
	[ "$(ls "$KS"/keys/dev.* 2>/dev/null | wc -l)" = 1 ] || fail "$what: keys/ holds $(ls "$KS/keys")"
	[ -f "$KS/certs/dev.pem" ] || fail "$what: key without its certificate"
	[ "$(grep -c 'BEGIN CERTIFICATE' "$KS/certs/dev.pem")" = 1 ] || fail "$what: certs/dev.pem is not one certificate"
	openssl verify -CAfile "$T/srv/ca.pem" "$KS/certs/dev.pem" >/dev/null || fail "$what: the certificate does not verify"
	key_matches_cert dev "$what"
	[ "$(sha256sum <"$KS/certs/dev.profile")" = "$K9R_PROFILE" ] || fail "$what: the profile changed"
	if [ "$(serial dev)" = "$old" ]; then state=old; else state=new; fi
}

# what only a finished run may not leave: temp files, journal, lock, key
# records (req/dev.new.*, req/dev.old.*), a pending request
k9r_clean() {
	local left
	left=$(cd "$KS" && find . \( -name '*.tmp.*' -o -name '*.journal' -o -name '*.lock' -o -name 'dev.new.*' \
		-o -name 'dev.old.*' -o -name 'dev.pending*' \) | head -n 5)
	[ -z "$left" ] || fail "$1: left behind: $left"
	[ "$(dev_objects)" = "$K9R_OBJECTS" ] || fail "$1: the device holds '$(dev_objects)', after enrollment '$K9R_OBJECTS'"
}

k9r_matrix() {
	local stage=$1 events=$2 nev n ev J C R s0 s1 left found want extra kills=0 olds=0 news=0 locks=0 orphans=0 keytmps=0 list
	shift 2
	k9r_base_restore
	s0=$(serial dev)
	k9_reference "$T/ref" renew --key-alias dev "$@"
	nev=$(wc -l <"$T/ref")
	step "$K9R_BACKEND $stage: $nev keystore events"
	k9_list "$T/ref"
	# the commit of the new certificate: its journal rename (J) and removal (R)
	C=$(k9_index "$T/ref" "rename ks/certs/.dev=dev.pem.tmp.* -> ks/certs/dev.pem")
	J=$(awk -v c="$C" '/ rename ks\/req\/\.dev=dev\.journal\.tmp\.\* -> ks\/req\/dev\.journal$/ && NR < c { j = NR } END { print j }' "$T/ref")
	R=$(awk -v c="$C" '/ remove ks\/req\/dev\.journal$/ && NR > c { print NR; exit }' "$T/ref")
	[ -n "$J" ] && [ -n "$R" ] || fail "$stage: no journaled commit of the certificate in the events"
	if [ "$events" = all ]; then
		list=$(seq 1 "$nev")
	elif [ "$events" = no-writes ]; then
		# every event but the writes: a kill at a write of a temp file
		# leaves the same names as a kill at the event before it, and
		# recovery acts on names only (temp files are deleted unread, the
		# journal is replayed by its names)
		list=$(awk '{ w = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", w) } w !~ /^write / { print NR }' "$T/ref")
	else
		list=$(for w in $events; do
			case $w in
			first) echo 1 ;; last) echo "$nev" ;;
			journal) echo "$J" ;; after-journal) echo $((J + 1)) ;;
			cert) echo "$C" ;; journal-removed) echo "$R" ;; after-commit) echo $((R + 1)) ;;
			*) fail "k9r_matrix: unknown event '$w'" ;;
			esac
		done | sort -nu)
	fi
	for n in $list; do
		ev=$(sed -n "${n}p" "$T/ref" | cut -d' ' -f4-)
		k9r_base_restore
		k9_kill_at "$n" "$T/ref" renew --key-alias dev "$@"
		kills=$((kills + 1))
		left=$(k9_left "$n" "$T/ref")
		found=$(k9_found)
		[ "$found" = "$left" ] ||
			fail "$stage killed at event $n ($ev): the keystore has '$found', events 1..$((n - 1)) leave '$left'"
		extra=
		[ -e "$KS/req/dev.lock" ] && { extra="$extra lock"; locks=$((locks + 1)); }
		[ -e "$KS/req/dev.journal" ] && extra="$extra journal"
		ls "$KS"/keys/.dev=* >/dev/null 2>&1 && { extra="$extra key-temp-file"; keytmps=$((keytmps + 1)); }
		ls "$KS"/req/dev.new.* >/dev/null 2>&1 && extra="$extra new-key-record"
		ls "$KS"/req/dev.old.* >/dev/null 2>&1 && extra="$extra old-key-record"
		if [ "$(dev_objects)" != "$K9R_OBJECTS" ]; then
			extra="$extra device:[$(dev_objects)]"
			orphans=$((orphans + 1))
		fi
		k9r_consistent "$stage killed at event $n ($ev)" "$s0"
		if [ "$n" -le "$J" ]; then want=old; olds=$((olds + 1)); else want=new; news=$((news + 1)); fi
		[ "$state" = "$want" ] ||
			fail "$stage killed at event $n ($ev): the alias is $state, expected $want (journal renamed at event $J)"
		# the next renew: not blocked by a stale lock, removes what the kill left
		s1=$(serial dev)
		ok renew --key-alias dev "$@"
		key_matches_cert dev "$stage: the renew after a kill at event $n"
		[ "$(serial dev)" != "$s1" ] || fail "$stage: the renew after a kill at event $n stored no new certificate"
		k9r_clean "$stage: the renew after a kill at event $n ($ev)"
		echo "$K9R_BACKEND $stage event $n/$nev ($ev): alias $want, left:${extra:- nothing}, next renew ok" >>"$K9R_ROWS"
	done
	echo "$K9R_BACKEND $stage: $kills kills of $nev events: $olds old, $news new; $locks left the lock, $keytmps a key temp file, $orphans a device key; every next renew ok" >>"$K9R_ROWS"
	K9R_J=$J
	K9R_R=$R
	K9R_LOCKS=$locks
	K9R_KEYTMPS=$keytmps
	K9R_ORPHANS=$orphans
}

k9r_report() {
	echo "== power-loss matrix" >&2
	cat "$K9R_ROWS" >&2
}
