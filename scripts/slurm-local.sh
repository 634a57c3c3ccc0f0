#!/bin/bash
# A single-node Slurm on this machine, for tests and trying things out, following DESIGN.md
# ("A single-node Slurm on these machines"): a munge daemon with its own key, one slurmctld and
# one slurmd, every file they write (config, key, state, spool, pid files, logs) inside DIR.
#
#   export SLURM_CONF=$(scripts/slurm-local.sh start DIR)   # waits until the node is idle
#   sbatch --wrap 'hostname'; squeue
#   scripts/slurm-local.sh stop DIR                         # stops the daemons, waits for them
#
# Needs root and Debian's slurmctld, slurmd, munge and slurm-client (`make test` installs them).
# `start` prints the slurm.conf to use (for SLURM_CONF) on standard output and everything else on
# standard error; it fails with the reason (and the daemons' logs) if the node is not idle within
# SLURM_LOCAL_TIMEOUT seconds (default 60). Ports are picked free, so two of these can run at once.
set -eu

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
command=$1
DIR=$2

# Set once `start` has begun starting daemons, so a failure stops the ones already running.
started=""

fail() {
  echo "slurm-local: $*" >&2
  if [ -n "$started" ]; then stop; fi
  exit 1
}

# Sends SIGTERM to the process in pid file $1 and waits up to 10 s for it to end, then SIGKILL.
stop_pid_file() {
  local file=$1 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "slurm-local: $(basename "$file" .pid) (pid $pid) did not stop within 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

stop() {
  [ -d "$DIR" ] || fail "$DIR does not exist; nothing to stop."
  # slurmd first, so running jobs end before the controller goes.
  stop_pid_file "$DIR/run/slurmd.pid"
  stop_pid_file "$DIR/run/slurmctld.pid"
  stop_pid_file "$DIR/munge/munged.pid"
  echo "slurm-local: stopped the Slurm in $DIR" >&2
}

# A TCP port nothing listens on (connecting to it fails), from a range the kernel does not hand
# out to outgoing connections by default (32768–60999).
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  fail "found no free TCP port for the Slurm daemons."
}

start() {
  [ "$(id -u)" = 0 ] || fail "must run as root (the daemons run as root and munged as the user munge)."
  for program in munged slurmctld slurmd sinfo; do
    command -v "$program" >/dev/null || fail "$program is not installed. Install Debian's slurmctld, slurmd, munge and slurm-client: apt-get install -y slurmctld slurmd munge slurm-client (or run make test, which installs them)."
  done
  id munge >/dev/null 2>&1 || fail "there is no user munge (Debian's munge package creates it)."
  if [ -s "$DIR/run/slurmctld.pid" ] && kill -0 "$(cat "$DIR/run/slurmctld.pid")" 2>/dev/null; then
    fail "a Slurm already runs in $DIR; stop it first with: $0 stop $DIR"
  fi
  # The daemons must not inherit the caller's other descriptors: a caller that learns of this
  # script's end when a pipe or socket closes (Foundation's Process does) would wait for the
  # daemons. Bash keeps the script itself open on 255, close-on-exec.
  local fd
  for fd in $(ls /proc/$$/fd); do
    if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/run" "$DIR/log" "$DIR/munge"

  # munged (as the user munge) must reach its folder, which others may enter but not write, and
  # whose socket everyone may use; the key in it is readable by munge alone.
  chmod a+x "$DIR"
  chown munge:munge "$DIR/munge"
  chmod 755 "$DIR/munge"
  head -c 1024 /dev/urandom > "$DIR/munge/munge.key"
  chown munge:munge "$DIR/munge/munge.key"
  chmod 400 "$DIR/munge/munge.key"
  local socket="$DIR/munge/munge.socket"
  started=1
  runuser -u munge -- munged --key-file="$DIR/munge/munge.key" --socket="$socket" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" \
    || fail "munged did not start; its log: $(cat "$DIR/munge/munged.log" 2>/dev/null)"

  local host cpus memory ctld_port slurmd_port
  host=$(hostname)
  cpus=$(nproc)
  # Below the machine's memory, or slurmd reports the node as invalid.
  memory=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  [ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
  cat > "$DIR/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node Slurm whose files all live in $DIR.
ClusterName=asllab
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

  export SLURM_CONF="$DIR/slurm.conf"
  slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start; its log ($DIR/log/slurmctld.log): $(tail -20 "$DIR/log/slurmctld.log" 2>/dev/null)"
  slurmd -f "$SLURM_CONF" || fail "slurmd did not start; its log ($DIR/log/slurmd.log): $(tail -20 "$DIR/log/slurmd.log" 2>/dev/null)"

  local timeout=${SLURM_LOCAL_TIMEOUT:-60} state=""
  for _ in $(seq $((timeout * 5))); do
    state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
  done
  if [ "$state" != idle ]; then
    echo "slurm-local: the node $host is not idle after $timeout s (sinfo says: ${state:-nothing}). The daemons' logs:" >&2
    tail -15 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 2>/dev/null || true
    fail "could not start a Slurm in $DIR."
  fi
  echo "slurm-local: node $host idle ($cpus CPUs, partition main); use SLURM_CONF=$SLURM_CONF; stop with: $0 stop $DIR" >&2
  echo "$SLURM_CONF"
}

case $command in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
