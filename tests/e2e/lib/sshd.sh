# Real OpenSSH servers on 127.0.0.1 for end-to-end tests. Source it after common.sh:
#
#   source "$(dirname "$0")/lib/common.sh"
#   source "$(dirname "$0")/lib/sshd.sh"
#   sshd_require                                   # skips (exit 77) unless root with openssh
#   sshd_create_user alice                         # ST_USER_ALICE=sttest_<run>_alice, ST_UID_ALICE, ST_HOME_ALICE
#   sshd_client_key alice                          # ST_KEY_ALICE (private key), ST_KEY_FP_ALICE, ST_KEY_PUB_ALICE
#   sshd_start jump --force-command "$SHELLTRAIL record" --match-user "$ST_USER_ALICE"
#   sshd_start prod                                # SSHD_JUMP_PORT, SSHD_PROD_PORT, SSHD_<NAME>_LOG ...
#   ssh_cmd "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_PROD_PORT" 'exit 7'   # fills the array SSH_CMD
#   "${SSH_CMD[@]}" || rc=$?                      # or: ssh_run USER KEY PORT [args...]
#   ssh_cmd "$ST_USER_ALICE" "$ST_KEY_ALICE" "$SSHD_JUMP_PORT" -tt
#   st_pty_run --expect '\$ $' --send 'exit\r' --output out -- "${SSH_CMD[@]}"   # lib/ssh_session.py
#
# Everything is undone when the test exits (also on failure or SIGINT/SIGTERM): servers stopped,
# users' leftover processes ended, users and groups deleted. On failure the sshd logs are printed.
# If a run is SIGKILLed (ctest timeout), its servers die with it (parent-death signal) and its
# users are deleted by the next test that creates one (their GECOS names the owning pid and boot).
#
# Call sshd_create_user, sshd_create_group and sshd_start directly, not in $(...) or a pipeline:
# they register cleanups and set variables in the calling shell (they refuse to run in a subshell).
# NAMEs are short lower-case words; the variables use the NAME in upper case.

ST_E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SSHD_BIN=""
SSH_CMD=()
SSH_CMD_LINE=""
_st_at_exit=()      # cleanup commands, run newest first by st_cleanup
_sshd_instances=()  # sshd_start NAMEs, for the logs printed on failure
_sshd_ready=0
_st_exit_failed=0
_st_run_id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
_st_boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
_st_userdb_lock=/run/lock/shelltrail-e2e-userdb.lock

# Debian's python3 first: a python3 found on PATH may be a slow wrapper (a pyenv shim costs about
# 0.4 s a call). ptydriver.py and ssh_session.py need the standard library only.
if [ -z "${ST_PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then ST_PYTHON=/usr/bin/python3; else ST_PYTHON=$(command -v python3 || true); fi
fi

case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH="$PATH:/usr/sbin:/sbin" ;;
esac

# ---- cleanup chain: st_at_exit COMMAND registers COMMAND (a string for eval) to run at exit ----

st_at_exit() {
  _st_no_subshell st_at_exit
  _st_at_exit+=("$1")
}

# common.sh's trap calls st_cleanup: keep its body as _st_cleanup_common and run the registered
# commands (newest first) before it, with the exit status it expects.
if ! declare -F _st_cleanup_common >/dev/null; then
  eval "$(declare -f st_cleanup | sed '1s/^st_cleanup /_st_cleanup_common /')"
  _st_return() { return "$1"; }
  st_cleanup() {
    local status=$? i pid
    set +e
    trap '' INT TERM HUP
    if [ "$status" -ne 0 ] || [ "${st_failed:-0}" -ne 0 ]; then
      _st_exit_failed=1
      _sshd_dump_logs
    fi
    # Background jobs the test left running (clients, drivers) go first, by pid.
    for pid in $(jobs -p); do
      kill -TERM "$pid" 2>/dev/null
    done
    for ((i = ${#_st_at_exit[@]} - 1; i >= 0; i--)); do
      eval "${_st_at_exit[i]}" || echo "sshd.sh: cleanup '${_st_at_exit[i]}' failed" >&2
    done
    _st_at_exit=()
    _st_return "$status"
    _st_cleanup_common
  }
  # Signals end the test through the EXIT trap, so the cleanups run.
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
fi

_st_no_subshell() {
  if [ "$BASHPID" != "$$" ]; then
    fail "$1: call it directly, not in \$(...) or a pipeline (its variables and cleanup would be lost)"
  fi
}

# _st_now_ms: sets _st_now to the time in milliseconds.
_st_now_ms() {
  _st_now=${EPOCHREALTIME//[!0-9]/}
  _st_now=$((_st_now / 1000))
}

# Serialises changes to the user database between tests running in parallel.
_st_userdb() {
  if command -v flock >/dev/null; then
    flock -w 60 "$_st_userdb_lock" "$@"
  else
    "$@"
  fi
}

# ---- requirements --------------------------------------------------------------------------

# sshd_require: skips the test unless we are root and sshd, ssh, ssh-keygen, useradd exist.
sshd_require() {
  [ "$_sshd_ready" = 1 ] && return 0
  _st_no_subshell sshd_require
  [ "$(id -u)" -eq 0 ] || skip "needs root for useradd and sshd (running as $(id -un))"
  SSHD_BIN=$(command -v sshd || true)
  [ -n "$SSHD_BIN" ] || skip "sshd not found (Debian: apt-get install openssh-server)"
  local tool
  for tool in ssh ssh-keygen; do
    command -v "$tool" >/dev/null || skip "$tool not found (Debian: apt-get install openssh-client)"
  done
  for tool in useradd usermod userdel groupadd groupdel; do
    command -v "$tool" >/dev/null || skip "$tool not found (Debian: apt-get install passwd)"
  done
  case "$ST_WORK" in
    *[[:space:]]*) fail "sshd.sh: the work directory '$ST_WORK' contains whitespace (sshd_config paths)" ;;
  esac
  # Without it sshd exits 255 ("Missing privilege separation directory").
  install -d -m 0755 /run/sshd
  # sshd reads AuthorizedKeysFile as the target user, and test users live under $ST_WORK.
  chmod 0755 "$ST_WORK"
  local d=$ST_WORK
  while d=$(dirname "$d") && [ "$d" != / ]; do
    [[ $(stat -c %A "$d") == *[xt] ]] ||
      fail "sshd.sh: test users cannot enter $d (mode $(stat -c %a "$d")): set TMPDIR to a directory they can reach"
  done
  install -d -m 0755 "$ST_WORK/sshd" "$ST_WORK/sshd/authorized_keys" "$ST_WORK/home"
  install -d -m 0700 "$ST_WORK/sshd/keys"
  _sshd_ready=1
  _sshd_sweep_stale_users
}

# ---- users and groups -----------------------------------------------------------------------

_st_check_name() {
  [[ $2 =~ ^[a-z][a-z0-9_]{0,17}$ ]] || fail "$1: NAME must be a short lower-case word ([a-z][a-z0-9_]{0,17}): '$2'"
}

# sshd_create_user NAME [useradd options...]: creates the login sttest_<run>_NAME (home under
# $ST_WORK/home, shell /bin/bash, unlocked for key authentication) and sets ST_USER_<NAME>,
# ST_UID_<NAME>, ST_GID_<NAME>, ST_HOME_<NAME>; prints the login. Idempotent. Deleted at exit.
# Extra options go to useradd, e.g. -G "$ST_GROUP_OPS".
sshd_create_user() {
  sshd_require
  _st_no_subshell sshd_create_user
  local name=$1
  shift
  _st_check_name sshd_create_user "$name"
  local var=${name^^}
  local uvar=ST_USER_$var
  if [ -n "${!uvar:-}" ] && getent passwd "${!uvar}" >/dev/null; then
    printf '%s\n' "${!uvar}"
    return 0
  fi
  local login=sttest_${_st_run_id}_$name
  local home=$ST_WORK/home/$login
  if getent passwd "$login" >/dev/null; then
    fail "sshd_create_user: user $login already exists (another run with the same id?)"
  fi
  _st_userdb useradd -m -d "$home" -s /bin/bash -c "shelltrail-e2e pid=$$ boot=$_st_boot_id" "$@" "$login" ||
    fail "sshd_create_user: useradd $login failed"
  st_at_exit "_sshd_remove_user $login"
  # A new account has no password ("!"): sshd refuses it as locked. "*" allows key logins only.
  _st_userdb usermod -p '*' "$login" || fail "sshd_create_user: usermod -p '*' $login failed"
  printf -v "ST_USER_$var" %s "$login"
  printf -v "ST_UID_$var" %s "$(id -u "$login")"
  printf -v "ST_GID_$var" %s "$(id -g "$login")"
  printf -v "ST_HOME_$var" %s "$home"
  printf '%s\n' "$login"
}

# sshd_create_group NAME: creates the group sttest_<run>_NAME, sets ST_GROUP_<NAME>, prints it.
sshd_create_group() {
  sshd_require
  _st_no_subshell sshd_create_group
  local name=$1
  _st_check_name sshd_create_group "$name"
  local gvar=ST_GROUP_${name^^}
  if [ -n "${!gvar:-}" ] && getent group "${!gvar}" >/dev/null; then
    printf '%s\n' "${!gvar}"
    return 0
  fi
  local group=sttest_${_st_run_id}_$name
  _st_userdb groupadd "$group" || fail "sshd_create_group: groupadd $group failed"
  st_at_exit "_st_userdb groupdel $group"
  printf -v "$gvar" %s "$group"
  printf '%s\n' "$group"
}

# _sshd_remove_user LOGIN: ends the user's leftover processes (this run's sessions), then deletes
# the user; the home directory is kept when the test failed ($ST_WORK is kept then too).
_sshd_remove_user() {
  local login=$1 uid pids deadline out
  uid=$(id -u "$login" 2>/dev/null) || return 0
  _st_now_ms
  deadline=$((_st_now + 5000))
  while :; do
    pids=$( (pgrep -u "$uid"; pgrep -U "$uid") 2>/dev/null | sort -u | tr '\n' ' ')
    [ -n "${pids// /}" ] || break
    _st_now_ms
    if [ "$_st_now" -gt "$deadline" ]; then
      echo "sshd.sh: processes of $login survive SIGKILL: $pids" >&2
      break
    fi
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    sleep 0.05
  done
  local opt=-r
  [ "$_st_exit_failed" = 1 ] && opt=""
  out=$(_st_userdb userdel $opt "$login" 2>&1) || {
    echo "sshd.sh: userdel $opt $login failed: $out" >&2
    return 1
  }
}

# Users left behind by runs that were killed (their pid is gone, or the machine rebooted).
_sshd_sweep_stale_users() {
  local login gecos pid boot
  while IFS=: read -r login _ _ _ gecos _; do
    [[ $login == sttest_* ]] || continue
    [[ $gecos =~ ^shelltrail-e2e\ pid=([0-9]+)\ boot=([^ ]+)$ ]] || continue
    pid=${BASH_REMATCH[1]}
    boot=${BASH_REMATCH[2]}
    if [ "$boot" = "$_st_boot_id" ] && kill -0 "$pid" 2>/dev/null; then
      continue
    fi
    echo "sshd.sh: removing test user $login left by a killed run (pid $pid)" >&2
    _sshd_remove_user "$login" || true
  done < <(getent passwd)
}

# ---- keys -----------------------------------------------------------------------------------

# sshd_client_key NAME: creates an ed25519 key pair for the user NAME (after sshd_create_user),
# authorizes it for every sshd_start instance, also installs it as ~/.ssh/id_ed25519 of the user
# (for nested ssh from a session), and prints the private key path. When called directly (not in
# $(...)) it also sets ST_KEY_<NAME> (private key path), ST_KEY_FP_<NAME> (SHA256:... as sshd
# logs it) and ST_KEY_PUB_<NAME> ("ssh-ed25519 AAAA...", as SSH_USER_AUTH lists it).
sshd_client_key() {
  sshd_require
  local name=$1
  _st_check_name sshd_client_key "$name"
  local var=${name^^}
  local uvar=ST_USER_$var hvar=ST_HOME_$var
  local login=${!uvar:-}
  [ -n "$login" ] || fail "sshd_client_key $name: call sshd_create_user $name first"
  local home=${!hvar} key=$ST_WORK/sshd/keys/$name
  local auth=$ST_WORK/sshd/authorized_keys/$login
  if [ ! -f "$key" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "$login@shelltrail-e2e" -f "$key" </dev/null ||
      fail "sshd_client_key: ssh-keygen failed"
  fi
  local pub
  pub=$(cut -d' ' -f1,2 "$key.pub")
  touch "$auth"
  grep -qF "$pub" "$auth" || cat "$key.pub" >>"$auth"
  chmod 0644 "$auth"
  install -d -m 0700 -o "$login" -g "$(id -g "$login")" "$home/.ssh"
  install -m 0600 -o "$login" -g "$(id -g "$login")" "$key" "$home/.ssh/id_ed25519"
  install -m 0644 -o "$login" -g "$(id -g "$login")" "$key.pub" "$home/.ssh/id_ed25519.pub"
  printf -v "ST_KEY_$var" %s "$key"
  printf -v "ST_KEY_PUB_$var" %s "$pub"
  printf -v "ST_KEY_FP_$var" %s "$(ssh-keygen -lf "$key.pub" | cut -d' ' -f2)"
  printf '%s\n' "$key"
}

# ---- servers --------------------------------------------------------------------------------

# sshd_start NAME [--force-command CMD] [--match-user USER | --match-group GROUP]
#                 [--extra 'sshd_config line']...
# Starts an sshd on 127.0.0.1 with its own host key, config and log in $ST_WORK/sshd/NAME, on a
# free random port in 20000-60000. CMD is forced for the Match block, or for everyone without
# --match-*. Extra lines before any "Match" line go to the top of the config (first value wins in
# sshd_config, so they override the defaults); a "Match" line and everything after it go to the
# end. Sets SSHD_<NAME>_PORT, _PID, _DIR, _CONFIG, _LOG (plain LF lines; sshd itself writes CR LF)
# and prints the port. Stopped at exit.
sshd_start() {
  sshd_require
  _st_no_subshell sshd_start
  local name=$1
  shift
  _st_check_name sshd_start "$name"
  local force="" match="" in_match=0 line
  local head=() tail=()
  while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || fail "sshd_start $name: $1 needs a value"
    case $1 in
      --force-command) force=$2 ;;
      --match-user) match="User $2" ;;
      --match-group) match="Group $2" ;;
      --extra)
        if [[ $2 =~ ^[[:space:]]*[Mm][Aa][Tt][Cc][Hh]([[:space:]]|$) ]]; then in_match=1; fi
        if [ "$in_match" = 1 ]; then tail+=("$2"); else head+=("$2"); fi
        ;;
      *) fail "sshd_start $name: unknown option $1" ;;
    esac
    shift 2
  done
  [ -z "$match" ] || [ -n "$force" ] || fail "sshd_start $name: --match-user/--match-group need --force-command"

  local var=SSHD_${name^^}
  local pidvar=${var}_PID
  [ -z "${!pidvar:-}" ] || fail "sshd_start $name: already started (pid ${!pidvar})"
  local dir=$ST_WORK/sshd/$name
  local config=$dir/sshd_config log=$dir/sshd.log
  install -d -m 0755 "$dir"
  ssh-keygen -q -t ed25519 -N '' -C "sshd-$name" -f "$dir/host_ed25519" </dev/null ||
    fail "sshd_start $name: ssh-keygen (host key) failed"
  {
    echo "# shelltrail e2e sshd '$name' (tests/e2e/lib/sshd.sh)"
    for line in "${head[@]}"; do printf '%s\n' "$line"; done
    cat <<EOF
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile none
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $ST_WORK/sshd/authorized_keys/%u
StrictModes no
ExposeAuthInfo yes
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
    if [ -n "$force" ] && [ -n "$match" ]; then
      printf 'Match %s\n\tForceCommand %s\n' "$match" "$force"
    elif [ -n "$force" ]; then
      printf 'ForceCommand %s\n' "$force"
    fi
    for line in "${tail[@]}"; do printf '%s\n' "$line"; done
  } >"$config"
  if ! "$SSHD_BIN" -t -f "$config" >"$dir/config-check.log" 2>&1; then
    cat "$config" "$dir/config-check.log" >&2
    fail "sshd_start $name: 'sshd -t' rejects $config"
  fi

  printf -v "${var}_DIR" %s "$dir"
  printf -v "${var}_CONFIG" %s "$config"
  printf -v "${var}_LOG" %s "$log"
  _sshd_instances+=("$name")
  st_at_exit "_sshd_stop $name"

  local attempt port pid deadline
  local pdeath=()
  # If the test shell is SIGKILLed (ctest timeout), the server dies with it.
  if command -v setpriv >/dev/null; then pdeath=(setpriv --pdeathsig KILL --); fi
  for attempt in 1 2 3 4 5 6 7 8; do
    _sshd_pick_port
    port=$_sshd_port
    : >"$log"
    # sshd -e ends its log lines with CR LF: the log gets plain lines (sed -u: unbuffered).
    "${pdeath[@]}" "$SSHD_BIN" -D -e -f "$config" -p "$port" </dev/null > >(sed -u 's/\r$//' >>"$log" 2>&1) 2>&1 &
    pid=$!
    printf -v "$pidvar" %s "$pid"
    printf -v "${var}_PORT" %s "$port"
    _st_now_ms
    deadline=$((_st_now + 10000))
    while :; do
      if grep -qF "Server listening on 127.0.0.1 port $port." "$log"; then
        printf '%s\n' "$port"
        return 0
      fi
      if ! _st_alive "$pid"; then
        wait "$pid" 2>/dev/null || true
        printf -v "$pidvar" %s ""
        break
      fi
      _st_now_ms
      if [ "$_st_now" -gt "$deadline" ]; then
        fail "sshd_start $name: no 'Server listening on 127.0.0.1 port $port.' in $log within 10 s"
      fi
      sleep 0.02
    done
    # Another process took the port between the check and the bind: try another one.
    if grep -qE "Address already in use|Cannot bind any address" "$log"; then
      echo "sshd_start $name: port $port is taken, attempt $attempt, trying another" >&2
      continue
    fi
    fail "sshd_start $name: sshd exited before listening (see its log above)"
  done
  fail "sshd_start $name: could not bind a free port in 8 attempts"
}

# _st_alive PID: the process exists and is not a zombie (no fork: polled often).
_st_alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ $stat != Z* ]]
}

# _sshd_pick_port: sets _sshd_port to a random port in 20000-60000 with no TCP socket on it.
_sshd_pick_port() {
  local i hex
  for i in $(seq 200); do
    _sshd_port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
    printf -v hex ':%04X' "$_sshd_port"
    if ! awk -v p="$hex" 'FNR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      return 0
    fi
  done
  fail "sshd.sh: no free port found in 20000-60000"
}

# _sshd_stop NAME: SIGTERM, then SIGKILL after 5 s; reaps the process.
_sshd_stop() {
  local pidvar=SSHD_${1^^}_PID deadline
  local pid=${!pidvar:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  _st_now_ms
  deadline=$((_st_now + 5000))
  while _st_alive "$pid"; do
    _st_now_ms
    if [ "$_st_now" -gt "$deadline" ]; then
      kill -KILL "$pid" 2>/dev/null
      break
    fi
    sleep 0.02
  done
  wait "$pid" 2>/dev/null || true
  printf -v "$pidvar" %s ""
}

# sshd_stop NAME: stops an instance before the end of the test (e.g. to test a dead server).
sshd_stop() {
  _st_no_subshell sshd_stop
  _sshd_stop "$1"
}

# sshd_wait_log NAME REGEX [SECONDS]: waits (default 10 s) until the instance's log matches the
# extended REGEX; fails with the log otherwise. sshd logs some lines after the client has gone.
sshd_wait_log() {
  local logvar=SSHD_${1^^}_LOG deadline
  local log=${!logvar:-}
  [ -n "$log" ] || fail "sshd_wait_log: no sshd instance '$1'"
  _st_now_ms
  deadline=$((_st_now + ${3:-10} * 1000))
  until grep -Eq -- "$2" "$log"; do
    _st_now_ms
    if [ "$_st_now" -gt "$deadline" ]; then
      fail "sshd_wait_log $1: no /$2/ in $log within ${3:-10} s"
    fi
    sleep 0.02
  done
}

_sshd_dump_logs() {
  local name logvar portvar
  for name in "${_sshd_instances[@]}"; do
    logvar=SSHD_${name^^}_LOG
    portvar=SSHD_${name^^}_PORT
    echo "--- sshd '$name' (port ${!portvar:-?}): last 40 lines of ${!logvar}" >&2
    tail -n 40 "${!logvar}" >&2 2>/dev/null
  done
}

# st_re_quote STRING: prints STRING escaped for grep -E / expect_grep (fingerprints contain '+'
# and '/', paths contain '.').
st_re_quote() {
  printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|/]/\\&/g'
}

# ---- client ---------------------------------------------------------------------------------

# ssh_cmd USER KEY PORT [ssh arguments...]: sets the array SSH_CMD to the client command line for
# USER@127.0.0.1:PORT with KEY, non-interactive, ignoring ssh configs and known hosts, followed by
# the arguments (ssh also takes options after the destination: -tt, then the remote command).
# SSH_CMD_LINE is the same, shell-quoted (for a nested ssh typed into a session).
ssh_cmd() {
  [ $# -ge 3 ] || fail "ssh_cmd USER KEY PORT [ssh arguments...]"
  local user=$1 key=$2 port=$3
  shift 3
  SSH_CMD=(ssh -F /dev/null -p "$port" -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
    -o LogLevel=ERROR -o ConnectTimeout=10 "$user@127.0.0.1" "$@")
  printf -v SSH_CMD_LINE '%q ' "${SSH_CMD[@]}"
  SSH_CMD_LINE=${SSH_CMD_LINE% }
}

# st_pty_run [ssh_session.py options and steps] -- COMMAND...: runs COMMAND (e.g. "${SSH_CMD[@]}"
# with -tt) under a pty owned by the test; see lib/ssh_session.py. Returns COMMAND's exit status.
st_pty_run() {
  [ -n "$ST_PYTHON" ] || fail "st_pty_run: python3 not found"
  "$ST_PYTHON" "$ST_E2E_LIB/ssh_session.py" "$@"
}

# ssh_run USER KEY PORT [ssh arguments...]: runs that command line; returns ssh's exit status.
ssh_run() {
  ssh_cmd "$@"
  "${SSH_CMD[@]}"
}
