#!/usr/bin/env bash
# The search index on a jump box: operator alice logs in to the "jump" sshd (recorded by
# `shelltrail-session`, system mode), runs a command there, opens a nested ssh to a "prod" sshd as
# the database admin, runs commands there, comes back and runs one more. `shelltrail index` then
# attributes every command to the host its prompt showed (jump-box, prod-db-1) with the user and
# directory of that prompt, while the session keeps the jump box's login, host and key; search
# (commands and screen text, --host), timeline and `play --at` of a hit work on the result.
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/sshd.sh
source "$(dirname "$0")/lib/sshd.sh"
# shellcheck source=lib/system_recorder.sh
source "$(dirname "$0")/lib/system_recorder.sh"

sshd_require
[ -n "$ST_PYTHON" ] || skip "python3 not found"
cd "$ST_WORK" || exit 1

# ---- the users, the recorder, the servers ------------------------------------------------------

JUMP_HOST=jump-box
PROD_HOST=prod-db-1
uniq=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')

sshd_create_user alice >/dev/null # the operator, recorded on the jump box
sshd_client_key alice >/dev/null
sshd_create_user dba >/dev/null # the account she uses on prod
sshd_client_key dba >/dev/null
ALICE=$ST_USER_ALICE
DBA=$ST_USER_DBA

recorder_for_users
system_spool 'notice = "This session is recorded."'
sshd_start jump --force-command "$RECORDER_DIR/shelltrail-session" --match-user "$ALICE" \
  --extra "SetEnv SHELLTRAIL_SYSTEM_CONFIG=$CONFIG" >/dev/null
sshd_start prod >/dev/null

# Prompts that name the host each shell runs on (both servers are this machine):
# PS1='\u@jump-box:\w\$ ' for alice, PS1='\u@prod-db-1:\w\$ ' for dba.
printf '%s\n' "PS1='\\u@$JUMP_HOST:\\w\\\$ '" >"$ST_HOME_ALICE/.bash_profile"
printf '%s\n' "PS1='\\u@$PROD_HOST:\\w\\\$ '" >"$ST_HOME_DBA/.bash_profile"
chown "$ALICE:" "$ST_HOME_ALICE/.bash_profile"
chown "$DBA:" "$ST_HOME_DBA/.bash_profile"
# On the jump box, prod-db-1 is an ssh alias with the dba key, as an operator would have it.
install -m 0600 -o "$ALICE" -g "$ST_GID_ALICE" "$ST_KEY_DBA" "$ST_HOME_ALICE/.ssh/id_dba"
cat >"$ST_HOME_ALICE/.ssh/config" <<EOF
Host $PROD_HOST
  HostName 127.0.0.1
  Port $SSHD_PROD_PORT
  User $DBA
  IdentityFile ~/.ssh/id_dba
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
EOF
chown "$ALICE:" "$ST_HOME_ALICE/.ssh/config"
chmod 0600 "$ST_HOME_ALICE/.ssh/config"

# ---- the session ---------------------------------------------------------------------------------

# What is typed, where: host<TAB>user<TAB>directory the prompt shows<TAB>command.
cat >expected.tsv <<EOF
$JUMP_HOST	$ALICE	~	echo jump-\$((6*7))
$JUMP_HOST	$ALICE	~	ssh $PROD_HOST
$PROD_HOST	$DBA	~	hostname
$PROD_HOST	$DBA	~	cd /tmp
$PROD_HOST	$DBA	/tmp	rm -f /tmp/$uniq/etc/passwd
$PROD_HOST	$DBA	/tmp	ls /nonexistent-$uniq
$PROD_HOST	$DBA	/tmp	exit
$JUMP_HOST	$ALICE	~	whoami
$JUMP_HOST	$ALICE	~	exit
EOF
steps=()
while IFS=$'\t' read -r host user dir command; do
  steps+=(--expect "$(st_re_quote "$user@$host:$dir\$ ")" --send "$command\\r")
done <expected.tsv

export TERM=xterm-256color
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ssh_cmd "$ALICE" "$ST_KEY_ALICE" "$SSHD_JUMP_PORT" -tt
rc=0
st_pty_run --timeout 20 --output session.screen "${steps[@]}" -- "${SSH_CMD[@]}" || rc=$?
[ "$rc" -eq 0 ] || { cat session.screen >&2; fail "the jump session exited $rc"; }
sshd_wait_log prod "Accepted publickey for $DBA from 127\\.0\\.0\\.1"
grep -aqF "No such file or directory" session.screen || { cat session.screen >&2; fail "ls /nonexistent-$uniq on prod did not fail"; }

mapfile -t recs < <(find "$SPOOL" -name '*.strec' -type f)
[ "${#recs[@]}" -eq 1 ] || fail "${#recs[@]} recordings in $SPOOL, expected 1: ${recs[*]}"
REC=${recs[0]}
expect_exit 0 "$SHELLTRAIL" verify "$REC"
"$SHELLTRAIL" show "$REC" --json >show.json || fail "show $REC --json exited non-zero"
until=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)

# ---- the index -----------------------------------------------------------------------------------

# The system spool, as an auditor on the jump box would name it; twice: the second run finds the
# session unchanged and adds nothing.
for run in 1 2; do
  SHELLTRAIL_SYSTEM_CONFIG=$CONFIG "$SHELLTRAIL" index --system >index.$run.out 2>&1 ||
    { cat index.$run.out >&2; fail "index --system (run $run) exited non-zero"; }
done
expect_grep '^indexed 1 session .* 9 commands' index.1.out
expect_grep '^indexed 0 sessions .* 1 unchanged' index.2.out
[ -f "$SPOOL/index.sqlite" ] || fail "no index at $SPOOL/index.sqlite"

st() { # st TAG ARGS...: shelltrail ARGS --spool $SPOOL into TAG.json, which must be JSON
  local tag=$1
  shift
  "$SHELLTRAIL" "$@" --spool "$SPOOL" >"$tag.json" 2>"$tag.err" ||
    { cat "$tag.err" >&2; fail "shelltrail $* --spool $SPOOL exited non-zero"; }
}
{ read -r id && read -r jump_box; } < <("$ST_PYTHON" -c 'import json, sys
m = json.load(open(sys.argv[1]))["metadata"]
print(m["session_id"]); print(m["host"])' show.json)
SHELLTRAIL_SYSTEM_CONFIG=$CONFIG "$SHELLTRAIL" commands --system "$id" --json >commands.json 2>commands.err ||
  { cat commands.err >&2; fail "commands --system $id --json exited non-zero"; }
st search search passwd --json
st search_prod search passwd --host "$PROD_HOST" --json
st search_jump search passwd --host "$jump_box" --json
st search_other search passwd --host some-other-host --json
st search_alice search passwd --user "$ALICE" --json
st search_dba search passwd --user "$DBA" --json
st search_output search --output "nonexistent-$uniq" --json
st timeline timeline --since "$since" --until "$until" --json
st timeline_prod timeline --since "$since" --until "$until" --host "$PROD_HOST" --json
st timeline_before timeline --until "$(date -u -d "$since -1 hour" +%Y-%m-%dT%H:%M:%SZ)" --json

# The checks, on the JSON of all of the above: prints the rm's offset for `play --at`.
ALICE=$ALICE DBA=$DBA JUMP_HOST=$JUMP_HOST PROD_HOST=$PROD_HOST ID=$id UNIQ=$uniq \
  FP=$ST_KEY_FP_ALICE "$ST_PYTHON" - >checks.out <<'PY' || fail "the index answers are wrong (above; files in $ST_WORK)"
import json, os, sys

env = os.environ
errors = []
def check(ok, what, shown=None):
    if not ok:
        errors.append(what + ("" if shown is None else "\n    got: " + json.dumps(shown)))
    return ok
def load(name):
    return json.load(open(name + ".json"))
def seconds(offset):  # "0.729s", as commands, search and timeline print an offset
    assert offset.endswith("s"), offset
    return float(offset[:-1])

show = load("show")
jump_box = show["metadata"]["host"]  # the jump box as the session's metadata names it
expected = [line.rstrip("\n").split("\t") for line in open("expected.tsv")]

# commands: exactly what was typed, in order, each with the prompt's user, host and directory.
commands = load("commands")
got = [[c["host"], c["user"], c["cwd"], c["command"]] for c in commands]
check(got == expected, "commands %s: expected %s" % (env["ID"], json.dumps(expected)), got)
offsets = [seconds(c["offset"]) for c in commands]
check(offsets == sorted(offsets) and len(set(c["time"] for c in commands)) == len(commands),
      "commands: offsets and times not in the order typed", commands)
check(all(show["metadata"]["start"]["utc"] <= c["time"] <= show["summary"]["end"] for c in commands),
      "commands: times outside the session (%s .. %s)" % (show["metadata"]["start"]["utc"], show["summary"]["end"]),
      [c["time"] for c in commands])
at = {c["command"]: c["offset"] for c in commands}  # for exit: the jump box's (the last one)
when = {c["command"]: c["time"] for c in commands}
rm = "rm -f /tmp/%s/etc/passwd" % env["UNIQ"]
ls = "ls /nonexistent-%s" % env["UNIQ"]
prod_exit = commands[6]["offset"] if len(commands) == 9 else None

# search passwd: the rm on prod, in the jump box session of alice.
def rm_hit(name):
    hits = [h for h in load(name) if h["kind"] == "command"]
    if not check(len(hits) == 1, "%s: expected exactly one command hit (the rm)" % name, load(name)):
        return None
    return hits[0]
hit = rm_hit("search")
if hit:
    want = {"kind": "command", "session": env["ID"], "user": env["ALICE"], "host": jump_box,
            "target_user": env["DBA"], "target_host": env["PROD_HOST"], "cwd": "/tmp", "text": rm,
            "offset": at.get(rm), "play": "shelltrail play %s --at %s" % (env["ID"], at.get(rm))}
    for key, value in want.items():
        check(hit.get(key) == value, "search passwd: %s is not %s" % (key, json.dumps(value)), hit)
    check(hit["time"] == when.get(rm), "search passwd: time is not the commands' %s" % when.get(rm), hit)
    for name in ("search_prod", "search_jump", "search_alice", "search_dba"):
        other = rm_hit(name)
        check(other is None or other == hit, "%s: not the same hit as search passwd" % name, other)
check(load("search_other") == [], "search passwd --host some-other-host: expected no hits", load("search_other"))

# search --output: the error ls printed on prod, between the ls and prod's exit.
error = "ls: cannot access '/nonexistent-%s': No such file or directory" % env["UNIQ"]
lines = [h for h in load("search_output") if h["text"] == error]
if check(len(lines) == 1, "search --output nonexistent-%s: expected the line %r once" % (env["UNIQ"], error),
         load("search_output")):
    line = lines[0]
    check(all(h["kind"] == "output" for h in load("search_output")), "search --output: a hit that is not output",
          load("search_output"))
    check(line["session"] == env["ID"] and line["user"] == env["ALICE"] and line["host"] == jump_box,
          "search --output: not alice's session on the jump box", line)
    check(prod_exit is not None and seconds(at.get(ls, "0s")) <= seconds(line["offset"]) <= seconds(prod_exit),
          "search --output: offset not between the ls (%s) and prod's exit (%s)" % (at.get(ls), prod_exit), line)
    # Written on prod, where the prompt said dba@prod-db-1: the place of the time it was written,
    # not of when it left the screen (the end of the session, back on the jump box).
    check(line["target_host"] == env["PROD_HOST"] and line["target_user"] == env["DBA"],
          "search --output: not on %s as %s" % (env["PROD_HOST"], env["DBA"]), line)

# timeline: the same commands in time order, each with alice's login, the jump box, her key.
rows = [r for r in load("timeline") if not r.get("activity")]
got = [[r["target_host"], r["target_user"], r["cwd"], r["command"]] for r in rows]
check(got == expected, "timeline --since --until: expected the commands %s" % json.dumps(expected), got)
check([r["time"] for r in rows] == sorted(r["time"] for r in rows), "timeline: not in time order", rows)
for r in rows:
    for key, value in {"session": env["ID"], "user": env["ALICE"], "host": jump_box,
                       "key_fingerprint": env["FP"]}.items():
        check(r.get(key) == value, "timeline: %s is not %s" % (key, json.dumps(value)), r)
check([r["offset"] for r in rows] == [c["offset"] for c in commands], "timeline: offsets differ from commands'",
      [r["offset"] for r in rows])
got = [r["command"] for r in load("timeline_prod")]
check(got == [e[3] for e in expected if e[0] == env["PROD_HOST"]],
      "timeline --host %s: expected the commands typed there" % env["PROD_HOST"], got)
check(load("timeline_before") == [], "timeline --until an hour before: expected nothing", load("timeline_before"))

for e in errors:
    print("FAIL: " + e, file=sys.stderr)
if errors:
    sys.exit(1)
print(at.get(rm))
PY
rm_at=$(cat checks.out)

# ---- play at the hit -----------------------------------------------------------------------------

# The hit's play line, as an auditor would paste it (plus the spool and a speed so that it ends).
read -r -a play < <("$ST_PYTHON" -c 'import json, sys; print([h for h in json.load(open(sys.argv[1])) if h["kind"] == "command"][0]["play"])' search.json)
[ "${play[*]}" = "shelltrail play $id --at $rm_at" ] || fail "unexpected play line '${play[*]}'"
rc=0
"$SHELLTRAIL" "${play[@]:1}" --spool "$SPOOL" --speed 1000 </dev/null >play.out 2>play.err || rc=$?
[ "$rc" -eq 0 ] || { cat play.err >&2; fail "${play[*]} --speed 1000 exited $rc"; }
grep -aqF "rm -f /tmp/$uniq/etc/passwd" play.out || fail "${play[*]}: the rm is not in what it played (play.out)"
grep -aqF "cannot access '/nonexistent-$uniq'" play.out || fail "${play[*]}: what followed the rm is not in what it played"
# With --until the offset of the next command, it stops before that command's output.
rc=0
"$SHELLTRAIL" "${play[@]:1}" --spool "$SPOOL" --until "$("$ST_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))[5]["offset"])' commands.json)" \
  </dev/null >play-until.out 2>play-until.err || rc=$?
[ "$rc" -eq 0 ] || { cat play-until.err >&2; fail "${play[*]} --until exited $rc"; }
if grep -aqF "cannot access" play-until.out; then fail "${play[*]} --until <the ls>: played the ls's output"; fi

echo "ok"
