#!/usr/bin/env bash
# A three-node hotlined cluster on this machine, for a demo: one private
# redis-server (AOF, appendfsync everysec) and three hotlined nodes on
# 127.0.0.1 sharing it, with the same two key files.
#
#   deploy/cluster-demo.sh         start everything, print the URLs and an
#                                  office token; Ctrl-C stops everything.
#                                  Kill a node to watch its partitions move:
#                                  the demo goes on with the others
#   deploy/cluster-demo.sh stop    stop a demo started elsewhere (another
#                                  terminal, or one whose shell was killed)
#
# Everything lives in DEMO_DIR (default ./demo-cluster): redis/ (the AOF),
# keys/ (created once), node-N/ (each node's data dir: a copy of the keys),
# *.log and the pids file. Run it again and the demo goes on with the same
# data; delete DEMO_DIR to start afresh.
#
# Environment (defaults in brackets):
#   DEMO_DIR [./demo-cluster]   REDIS_PORT [6390]   NODE_PORTS ["8081 8082 8083"]
#   HOTLINED [build/bin/hotlined]   HOTLINE [build/bin/hotline]
#   CONFIG_DIR [config/chongqing]   READY_TIMEOUT [60] seconds per process
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo_dir=$(realpath -m "${DEMO_DIR:-./demo-cluster}")
redis_port=${REDIS_PORT:-6390}
read -r -a node_ports <<<"${NODE_PORTS:-8081 8082 8083}"
hotlined=${HOTLINED:-$repo/build/bin/hotlined}
hotline=${HOTLINE:-$repo/build/bin/hotline}
config_dir=${CONFIG_DIR:-$repo/config/chongqing}
ready_timeout=${READY_TIMEOUT:-60}
host=127.0.0.1
pids_file=$demo_dir/pids

say() { printf 'cluster-demo: %s\n' "$*"; }
die() {
  printf 'cluster-demo: %s\n' "$*" >&2
  exit 1
}

# The start time of process $1 (field 22 of /proc/PID/stat), empty if it is
# gone: with the pid it names one process, even after the pid is reused.
start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  read -r -a fields <<<"${stat##*) }" # fields[0] is field 3 (the state)
  [[ ${fields[0]} != Z ]] || return 0 # a zombie has stopped
  printf '%s' "${fields[19]}"
}

# True while the process recorded as "$1 $2" (pid, start time) runs.
alive() { [[ -n $1 && -n $2 && $(start_time "$1") == "$2" ]]; }

# Records a started process: "name pid start-time" in the pids file.
record() { printf '%s %s %s\n' "$1" "$2" "$(start_time "$2")" >>"$pids_file"; }

# Sends SIGTERM to the recorded processes named by $@ (in that order, all
# of one name at once), waits up to 20 s for each, then SIGKILLs.
stop_recorded() {
  [[ -f $pids_file ]] || return 0
  local name rec_name pid st waited rec
  for name in "$@"; do
    local -a group=()
    while read -r rec_name pid st; do
      [[ $rec_name == "$name"* ]] || continue
      if alive "$pid" "$st"; then
        kill -TERM "$pid" 2>/dev/null || true
        group+=("$pid:$st")
      fi
    done <"$pids_file"
    for rec in "${group[@]}"; do
      pid=${rec%%:*} st=${rec#*:} waited=0
      while alive "$pid" "$st" && ((waited < 200)); do
        sleep 0.1
        waited=$((waited + 1))
      done
      if alive "$pid" "$st"; then
        say "$pid did not stop within 20 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  done
}

# `stop`: ask a running demo script to stop its processes (it stops them in
# order and exits); if none runs, stop the processes it left.
stop_demo() {
  [[ -f $pids_file ]] || {
    say "nothing to stop: no $pids_file"
    return 0
  }
  local rec_name pid st
  while read -r rec_name pid st; do
    if [[ $rec_name == script ]] && alive "$pid" "$st"; then
      say "stopping the demo (script $pid)"
      kill -TERM "$pid"
      while alive "$pid" "$st"; do sleep 0.1; done
    fi
  done <"$pids_file"
  stop_recorded node redis
  rm -f "$pids_file"
  say "stopped"
}

if [[ ${1:-} == stop ]]; then
  stop_demo
  exit 0
elif [[ $# -gt 0 ]]; then
  die "usage: $0 [stop]"
fi

# --- checks before starting anything ---------------------------------------
[[ -x $hotlined ]] || die "$hotlined not found: build it first with scripts/build.sh (scripts/deps.sh installs what the build needs)"
[[ -x $hotline ]] || die "$hotline not found: build it first with scripts/build.sh"
"$hotlined" --help 2>/dev/null | grep -q -- '--node-id' ||
  die "$hotlined has no --node-id: it predates cluster mode (issue 4); rebuild with scripts/build.sh"
command -v redis-server >/dev/null || die "redis-server not found: apt-get install redis-server (or run scripts/deps.sh)"
command -v redis-cli >/dev/null || die "redis-cli not found: apt-get install redis-tools"
[[ -d $config_dir ]] || die "no configuration folder $config_dir"
((${#node_ports[@]} == 3)) || die "NODE_PORTS must name three ports, got '${NODE_PORTS:-}'"

if [[ -f $pids_file ]]; then
  while read -r rec_name pid st; do
    alive "$pid" "$st" && die "a demo is already running in $demo_dir ($rec_name, pid $pid): stop it with $0 stop"
  done <"$pids_file"
  rm -f "$pids_file"
fi
port_busy() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }
for port in "$redis_port" "${node_ports[@]}"; do
  port_busy "$port" && die "port $port on $host is in use; choose others with REDIS_PORT / NODE_PORTS"
done

mkdir -p "$demo_dir"

# --- from here on, whatever happens, stop what was started -----------------
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  say "stopping the nodes, then Redis"
  stop_recorded node redis
  rm -f "$pids_file"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
record script "$$"

# Waits until log $2 of process $1 ($3 names it) shows line pattern $4.
wait_for_line() {
  local pid=$1 log=$2 what=$3 pattern=$4 waited=0
  until grep -q -- "$pattern" "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      printf 'cluster-demo: %s exited before it was ready; the end of %s:\n' "$what" "$log" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    if ((waited >= ready_timeout * 10)); then
      printf 'cluster-demo: %s not ready after %s s; the end of %s:\n' "$what" "$ready_timeout" "$log" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Each child gets its own session (setsid): Ctrl-C reaches only this script,
# which then stops the nodes before Redis (a redis-server hit by the
# terminal's SIGINT would stop under the nodes' feet).

# --- Redis -----------------------------------------------------------------
mkdir -p "$demo_dir/redis"
redis_log=$demo_dir/redis.log
: >"$redis_log"
setsid redis-server --port "$redis_port" --bind "$host" --protected-mode yes \
  --dir "$demo_dir/redis" --appendonly yes --appendfsync everysec \
  --aof-use-rdb-preamble yes --save "" --maxmemory-policy noeviction \
  --daemonize no --logfile "" </dev/null >>"$redis_log" 2>&1 &
redis_pid=$!
record redis "$redis_pid"
wait_for_line "$redis_pid" "$redis_log" "redis-server" "Ready to accept connections"
say "redis-server (pid $redis_pid) on $host:$redis_port, AOF everysec in $demo_dir/redis"

# --- keys: created once, the same two files in every node's data dir -------
keys=$demo_dir/keys
(
  umask 077
  mkdir -p "$keys"
  for k in caller token; do
    if [[ ! -s $keys/$k.key ]]; then
      head -c 32 /dev/urandom >"$keys/$k.key.tmp"
      mv "$keys/$k.key.tmp" "$keys/$k.key"
      say "created $keys/$k.key"
    fi
  done
)

# --- three nodes -----------------------------------------------------------
urls=() node_pids=()
for i in 1 2 3; do
  node=node-$i
  data=$demo_dir/$node
  install -d -m 0700 "$data/keys"
  install -m 0600 "$keys/caller.key" "$keys/token.key" "$data/keys/"
  log=$demo_dir/$node.log
  : >"$log"
  setsid "$hotlined" --redis "redis://$host:$redis_port" --node-id "$node" \
    --listen "$host:${node_ports[i - 1]}" --config "$config_dir" --data-dir "$data" \
    </dev/null >>"$log" 2>&1 &
  pid=$!
  record "$node" "$pid"
  node_pids+=("$pid")
  wait_for_line "$pid" "$log" "$node" "^hotlined: serving http://"
  url=$(sed -n 's|^hotlined: serving \(http://[^ ]*\).*|\1|p' "$log" | head -n 1)
  urls+=("$url")
  say "$node (pid $pid) serving $url"
done

token=$("$hotline" token --data-dir "$demo_dir/node-1" --office)

cat <<EOF

hotline cluster demo: 3 nodes, one Redis (redis://$host:$redis_port)
  node-1  ${urls[0]}    log $demo_dir/node-1.log
  node-2  ${urls[1]}    log $demo_dir/node-2.log
  node-3  ${urls[2]}    log $demo_dir/node-3.log
  redis   $demo_dir/redis (AOF)    log $redis_log

Office token (any node accepts it):
  OFFICE=$token

Try:
  curl -s ${urls[0]}api/v1/cluster -H "Authorization: Bearer \$OFFICE"
  # then README.md's "Five minutes with curl" against any node, e.g. port ${node_ports[1]};
  # tokens: $hotline token --data-dir $demo_dir/node-1 --office | --unit UNIT_ID

Stop: Ctrl-C here, or $0 stop
EOF

# Wait for Ctrl-C / `stop` (a trapped signal interrupts wait). A node that
# exits (kill one to watch its partitions move) is reported and the demo goes
# on; it ends when Redis exits or no node is left.
reported=()
while true; do
  wait -n || true
  kill -0 "$redis_pid" 2>/dev/null || die "redis-server exited; the end of $redis_log: $(tail -n 5 "$redis_log")"
  left=0
  for i in 1 2 3; do
    if kill -0 "${node_pids[i - 1]}" 2>/dev/null; then
      left=$((left + 1))
      live_url=${urls[i - 1]}
    elif [[ -z ${reported[i]:-} ]]; then
      reported[i]=1
      say "node-$i exited (see $demo_dir/node-$i.log); the other nodes take its partitions over once its leases expire"
    fi
  done
  ((left > 0)) || die "no node left"
  say "$left node(s) left: curl -s ${live_url}api/v1/cluster -H \"Authorization: Bearer \$OFFICE\""
done
