#!/usr/bin/env bash
# Fault tests of the hotlined cluster: 3 nodes on one private Redis, a steady
# load from every side, kill -9 / SIGSTOP of nodes and a Redis restart, then
# checks that nothing acknowledged was lost or applied twice and that every
# supervision timer fired once. See tests/fault/README.md.
#
#   tests/fault/run.sh            # the cluster build (hotlined --node-id)
#   tests/fault/run.sh --single   # rehearsal on a one-node build
#
# Extra arguments go to tests/fault/fault.py (--help lists them). Loopback
# only; the scratch folder is removed on success (FAULT_KEEP=1 keeps it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

[[ -x build/bin/hotlined && -x build/bin/hotline ]] || scripts/build.sh
for tool in redis-server redis-cli python3; do
  command -v "$tool" >/dev/null || { echo "fault: $tool is missing (scripts/deps.sh)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-fault.XXXXXX")
mkdir -p "$work/bin" "$work/pids"
# Copies: a rebuild of build/ during the run must not swap the binaries.
cp build/bin/hotlined build/bin/hotline "$work/bin/"

single=0
for a in "$@"; do [[ $a == --single ]] && single=1; done
# The help text is read whole first: `--help | grep -q` under pipefail fails
# when grep stops reading at the match and hotlined dies of SIGPIPE.
help_text=$("$work/bin/hotlined" --help)
if ((!single)) && [[ $help_text != *--node-id* ]]; then
  echo "fault: build/bin/hotlined has no --node-id (not the cluster build); --single rehearses on one node" >&2
  rm -rf "$work"
  exit 2
fi

redis_exe=$(readlink -f "$(command -v redis-server)")
driver=""
cleanup() {
  local rc=$? pid exe f
  trap - EXIT INT TERM
  set +e
  if [[ -n $driver ]]; then
    kill "$driver" 2>/dev/null
    wait "$driver" 2>/dev/null
  fi
  # Whatever the driver left (killed itself, say): only our own processes, by
  # pid, and only while that pid still runs one of our binaries.
  for f in "$work"/pids/*.pid; do
    [[ -e $f ]] || continue
    pid=$(<"$f")
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    if [[ $exe == "$work/bin/hotlined" || $exe == "$redis_exe" ]]; then
      kill -CONT "$pid" 2>/dev/null
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  if ((rc == 0)) && [[ -z ${FAULT_KEEP:-} ]]; then
    rm -rf "$work"
  elif ((rc != 1)); then
    # No summary line (rc 1 ends with it, after the log paths).
    echo "fault: scratch folder kept: $work (logs in $work/logs)" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "fault: scratch folder $work (removed if the run passes, unless FAULT_KEEP=1)"

# In the background so that the traps run at once on Ctrl-C or TERM.
python3 -u tests/fault/fault.py --work "$work" --bin "$work/bin" \
  --config "$root/config/chongqing" "$@" &
driver=$!
rc=0
wait "$driver" || rc=$?
driver=""
exit "$rc"
