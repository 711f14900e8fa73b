#!/bin/bash
# The systemd units pass `systemd-analyze verify` (with ExecStart pointing
# at the built program), the service runs `hwenroll renew --all` hardened
# with the keystore writable, and the timer fires twice a day.
. "$(dirname "$0")/lib.sh"
set -e
need systemd-analyze
svc=$HWE_TOP_BUILDDIR/conf/hwenroll-renew.service
tmr=$HWE_TOP_SRCDIR/conf/hwenroll-renew.timer
[ -f "$svc" ] || fail "conf/hwenroll-renew.service not built"
grep -qx 'Type=oneshot' "$svc" || fail "not oneshot"
grep -q '^ExecStart=.*/hwenroll renew --all$' "$svc" || fail "ExecStart"
for k in ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes ProtectHome=yes 'DeviceAllow=/dev/tpmrm0 rw'; do
	grep -qx "$k" "$svc" || fail "service lacks $k"
done
grep -q '^ReadWritePaths=-/' "$svc" || fail "keystore not in ReadWritePaths"
for k in Persistent=true 'OnCalendar=\*-\*-\* 00,12:00:00' 'RandomizedDelaySec=.*'; do
	grep -qx "$k" "$tmr" || fail "timer lacks $k"
done
mkdir -p "$T/units"
sed "s|^ExecStart=[^ ]*/hwenroll |ExecStart=$HWENROLL |" "$svc" >"$T/units/hwenroll-renew.service"
cp "$tmr" "$T/units/"
cd "$T/units"
systemd-analyze verify --man=no hwenroll-renew.service hwenroll-renew.timer >"$T/verify" 2>&1 || { cat "$T/verify" >&2; fail "systemd-analyze verify"; }
# a warning about the units themselves is a failure too
grep -i "hwenroll-renew" "$T/verify" && { cat "$T/verify" >&2; fail "systemd-analyze verify warns"; }
exit 0
