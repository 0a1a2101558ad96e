# shellcheck shell=bash
# The recorder in system mode for tests with real sshd users (the jump box set-up). Source it
# after common.sh and sshd.sh:
#
#   recorder_for_users            # RECORDER_DIR: holds the binary and its shelltrail-session link
#   system_spool 'notice = "..."' # SPOOL and CONFIG (the system config naming it, plus the lines)
#   sshd_start jump --force-command "$RECORDER_DIR/shelltrail-session" --match-user "$ST_USER_OPS" \
#     --extra "SetEnv SHELLTRAIL_SYSTEM_CONFIG=$CONFIG"
#
# Tools run by the test read the same configuration with SHELLTRAIL_SYSTEM_CONFIG=$CONFIG and
# --system, or take --spool "$SPOOL".

# recorder_for_users: sets RECORDER_DIR to a directory that the test users can execute the
# recorder from: the build tree if every directory on the way is searchable by others, otherwise
# a copy in $ST_WORK/bin. It holds the `shelltrail-session` link (system mode) next to the binary.
recorder_for_users() {
  local dir d reachable=1
  dir=$(cd "$(dirname "$SHELLTRAIL")" && pwd)
  d=$dir
  while [ "$d" != / ]; do
    [[ $(stat -c %A "$d") == *[xt] ]] || reachable=0
    d=$(dirname "$d")
  done
  [[ $(stat -L -c %A "$SHELLTRAIL") == *x ]] || reachable=0
  if [ "$reachable" = 0 ]; then
    install -d -m 0755 "$ST_WORK/bin"
    install -m 0755 "$SHELLTRAIL" "$ST_WORK/bin/$(basename "$SHELLTRAIL")"
    dir=$ST_WORK/bin
  fi
  [ -e "$dir/shelltrail-session" ] || ln -s "$(basename "$SHELLTRAIL")" "$dir/shelltrail-session"
  RECORDER_DIR=$dir
}

# system_spool [CONFIG LINE...]: makes the system spool SPOOL=$ST_WORK/spool (mode 1733, as
# `shelltrail setup` does; it must exist) and the system configuration CONFIG (readable by all)
# with `spool = "$SPOOL"` followed by the given lines.
system_spool() {
  local line
  SPOOL=$ST_WORK/spool
  install -d -m 1733 "$SPOOL"
  install -d -m 0755 "$ST_WORK/etc"
  CONFIG=$ST_WORK/etc/shelltrail.toml
  {
    printf 'spool = "%s"\n' "$SPOOL"
    for line in "$@"; do printf '%s\n' "$line"; done
  } >"$CONFIG"
  chmod 0644 "$CONFIG"
}
