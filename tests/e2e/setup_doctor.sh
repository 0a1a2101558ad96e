#!/usr/bin/env bash
# `shelltrail setup` and `shelltrail doctor` on a real machine, installed below a root directory
# of the test's (--root) so that nothing of the host's is touched but the `shelltrail` account:
# setup creates the account, the directories, the key, the setuid recorder and the
# configuration, and is idempotent (a second run changes nothing, a broken mode is fixed);
# doctor passes on the result, reads sshd's effective configuration for a member of the
# operator group (`sshd -T -C user=...`), and fails, with the fix, on a way around the recorder.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"

sshd_require
[ "$(id -u)" -eq 0 ] || skip "needs root: setup creates an account and a setuid binary"
cd "$ST_WORK" || exit 1
ROOT=$ST_WORK/root
install -d -m 0755 "$ROOT" "$ROOT/etc/systemd/system"
id shelltrail >/dev/null 2>&1 || st_at_exit "_st_userdb userdel shelltrail"
sshd_create_group ops
sshd_create_user op -G "$ST_GROUP_OPS"

# ---- setup --------------------------------------------------------------------------------------
expect_exit 0 "$SHELLTRAIL" setup --root "$ROOT" --group "$ST_GROUP_OPS"
cp "$ST_WORK/out" setup1.out
expect_grep '^(created|ok) +account shelltrail$' setup1.out
expect_grep "^created +$ROOT/var/lib/shelltrail/spool \\(mode 0700\\)" setup1.out
expect_grep "^created +signing key $ROOT/var/lib/shelltrail/signing.key \\(SHA256:[0-9a-f]{16}\\)" setup1.out
expect_grep "^created +recorder $ROOT/usr/local/lib/shelltrail/shelltrail-session \\(setuid shelltrail, mode 4755\\)" setup1.out
expect_grep "^	ForceCommand $ROOT/usr/local/lib/shelltrail/shelltrail-session$" setup1.out
expect_grep "^Match Group $ST_GROUP_OPS$" setup1.out
[ "$(stat -c '%U %a' "$ROOT/var/lib/shelltrail/spool")" = "shelltrail 700" ] || fail "spool owner/mode"
[ "$(stat -c '%U %a' "$ROOT/var/lib/shelltrail/signing.key")" = "shelltrail 600" ] || fail "key owner/mode"
[ "$(stat -c '%U %a' "$ROOT/usr/local/lib/shelltrail/shelltrail-session")" = "shelltrail 4755" ] || fail "recorder owner/mode"
[ "$(stat -c '%U %a' "$ROOT/etc/shelltrail/shelltrail.toml")" = "root 644" ] || fail "config owner/mode"
cmp "$SHELLTRAIL" "$ROOT/usr/local/lib/shelltrail/shelltrail-session" || fail "the recorder is not this program"
expect_grep "^created +index service $ROOT/etc/systemd/system/shelltrail-index.service " setup1.out
unit=$ROOT/etc/systemd/system/shelltrail-index.service
grep -qx 'User=shelltrail' "$unit" || fail "the index service runs as the account"
grep -qx "ExecStart=@$ROOT/usr/local/lib/shelltrail/shelltrail-session shelltrail index --follow --system --quiet" "$unit" \
  || fail "the index service follows the system spool: $(cat "$unit")"
grep -qx "ReadWritePaths=$ROOT/var/lib/shelltrail" "$unit" || fail "the index service writes only the state directory"

expect_exit 0 "$SHELLTRAIL" setup --root "$ROOT" --group "$ST_GROUP_OPS" --write
cp "$ST_WORK/out" setup2.out
grep -E '^(created|fixed) ' setup2.out | grep -v 'sshd configuration' && fail "a second setup changed something"
expect_grep "^created +sshd configuration $ROOT/etc/ssh/sshd_config.d/shelltrail.conf" setup2.out
chmod 0755 "$ROOT/var/lib/shelltrail/spool"
expect_exit 0 "$SHELLTRAIL" setup --root "$ROOT" --group "$ST_GROUP_OPS" --write
expect_grep "^fixed +$ROOT/var/lib/shelltrail/spool \\(owner and mode 0700\\)" "$ST_WORK/out"
expect_grep "^ok +sshd configuration" "$ST_WORK/out"
expect_exit 64 runuser -u "$ST_USER_OP" -- "$SHELLTRAIL" setup --root "$ROOT"
expect_grep 'setup needs root' "$ST_WORK/err"

# ---- doctor -------------------------------------------------------------------------------------
# sshd's configuration as the box would have it: its own settings, then the installed block.
ssh-keygen -q -t ed25519 -N '' -f host_key </dev/null
cat >sshd_config <<EOC
HostKey $ST_WORK/host_key
AllowTcpForwarding yes
Include $ROOT/etc/ssh/sshd_config.d/*.conf
EOC
expect_exit 0 "$SHELLTRAIL" doctor --root "$ROOT" --group "$ST_GROUP_OPS" --sshd-config sshd_config --min-free-mib 1
cp "$ST_WORK/out" doctor1.out
for check in account recorder configuration spool 'signing key' 'public key' 'sshd ForceCommand' \
  'sshd ExposeAuthInfo' 'sshd AllowTcpForwarding' 'sshd X11Forwarding' 'sshd PermitTunnel' \
  'sshd AllowAgentForwarding' 'sshd PermitUserRC' 'sshd AllowStreamLocalForwarding' \
  'sshd Subsystem' index; do
  expect_grep "^PASS +$check " doctor1.out
done
expect_grep "^PASS +sshd ForceCommand +$ROOT/usr/local/lib/shelltrail/shelltrail-session for $ST_USER_OP" doctor1.out
expect_grep '^(PASS|WARN) +clock ' doctor1.out
grep -q '^FAIL' doctor1.out && fail "doctor fails on a fresh setup"

# Ways around it: no block for the group (forwarding allowed, no ForceCommand), an extra
# subsystem; a recorder that is not setuid; a key with command= in authorized_keys.
printf 'HostKey %s\nAllowTcpForwarding yes\nSubsystem backup /usr/bin/tar\n' "$ST_WORK/host_key" >open_sshd_config
chmod 0755 "$ROOT/usr/local/lib/shelltrail/shelltrail-session"
install -d -m 0700 -o "$ST_USER_OP" "$ST_HOME_OP/.ssh"
echo 'command="/bin/bash" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB1t5Y6Wk0rC1ZKQ6o2JQ0qo6ZcX3m6J0m8o0m8o0m8o x' \
  >"$ST_HOME_OP/.ssh/authorized_keys"
expect_exit 1 "$SHELLTRAIL" doctor --root "$ROOT" --group "$ST_GROUP_OPS" --sshd-config open_sshd_config --min-free-mib 1
cp "$ST_WORK/out" doctor2.out
expect_grep '^FAIL +recorder .*mode 0755' doctor2.out
expect_grep '^FAIL +sshd ForceCommand +(\(unset\)|none) for ' doctor2.out
expect_grep '^FAIL +sshd AllowTcpForwarding +yes for .*expected no' doctor2.out
expect_grep 'fix: sudo shelltrail setup --write, then systemctl reload ssh' doctor2.out
expect_grep '^WARN +authorized_keys .*command=' doctor2.out
expect_grep '^FAIL +sshd Subsystem +an extra subsystem: backup /usr/bin/tar' doctor2.out
echo "setup_doctor: ok"
