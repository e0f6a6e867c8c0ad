#!/usr/bin/env bash
# A one-node Slurm on this machine, for the launcher=slurm tests (and for trying launcher=slurm out).
#
#   bash tests/launch/local_slurm.sh start DIR   # install (root, Debian/Ubuntu) if missing, configure, start
#   bash tests/launch/local_slurm.sh stop DIR    # stop what start started
#
# start writes DIR/slurm.conf for this host alone (every core, all memory, partition "debug") and
# starts munged (unless one runs already), slurmctld and slurmd, on their own ports so that a Slurm
# already on the machine is left alone. Point Slurm's commands at it with SLURM_CONF=DIR/slurm.conf.
# The last line start prints is "ready" or "unavailable: <reason>" (exit status 0 or 3): the tests
# skip with that reason when there is no root, no package, or the daemons do not come up.
#
# The settings are chosen for short tests: the scheduler runs every 2 s instead of 60 s, a job past
# its time limit is killed 2 s after SIGTERM, a requeued job may start again after 5 s instead of 120 s,
# finished jobs stay visible to scontrol for 5 minutes.
set -uo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf="$dir/slurm.conf"

unavailable() {
  echo "unavailable: $*"
  exit 3
}

stop() {
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      pid=$(cat "$dir/$name.pid")
      kill "$pid" 2>/dev/null
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
      rm -f "$dir/$name.pid"
    fi
  done
}

install_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null && return 0
  [ "$(id -u)" = 0 ] || unavailable "slurm-wlm and munge are not installed and this is not root (apt-get install slurm-wlm munge)"
  command -v apt-get >/dev/null || unavailable "slurm-wlm and munge are not installed and there is no apt-get to install them"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends slurm-wlm munge)
  if ! "${apt[@]}" >"$dir/apt.log" 2>&1; then
    # a fresh machine may have no package lists yet
    apt-get -o DPkg::Lock::Timeout=300 update -qq >>"$dir/apt.log" 2>&1
    "${apt[@]}" >>"$dir/apt.log" 2>&1 || unavailable "apt-get install slurm-wlm munge failed (see $dir/apt.log)"
  fi
}

start_munge() {
  # a munged that answers already (a cluster node, an earlier start) is used as it is
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || unavailable "munged is not running and this is not root (the daemons need root: run the tests as root)"
  [ -s /etc/munge/munge.key ] || { mkdir -p /etc/munge && dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; }
  chown munge:munge /etc/munge/munge.key 2>/dev/null
  chmod 400 /etc/munge/munge.key 2>/dev/null
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null
  # munged refuses to run as root; Debian's package made the munge user
  if id munge >/dev/null 2>&1; then
    runuser -u munge -- munged --force >"$dir/munged.out" 2>&1 || unavailable "munged did not start (see $dir/munged.out)"
  else
    munged --force >"$dir/munged.out" 2>&1 || unavailable "munged did not start (see $dir/munged.out)"
  fi
  pgrep -n -x munged >"$dir/munged.pid"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0; sleep 0.1; done
  unavailable "munged started but does not answer (see $dir/munged.out)"
}

write_conf() {
  local host cpus mem_mb
  host=$(hostname -s)
  cpus=$(nproc)
  mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cat >"$conf" <<EOF
# written by tests/launch/local_slurm.sh: one node, this host
ClusterName=carps-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# a requeued job may start again this many seconds after its requeue (default 120)
AuthInfo=cred_expire=5
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# no cgroups: the tests also run in containers
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# a job that asks for no memory gets its share of the node's, not all of it
DefMemPerCPU=$((mem_mb / cpus))
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
ReturnToService=2
MinJobAge=300
KillWait=2
InactiveLimit=0
OverTimeLimit=0
MessageTimeout=20
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  stop  # a start after a crashed run replaces what is left of it
  install_packages
  start_munge
  write_conf
  export SLURM_CONF="$conf"
  slurmctld -f "$conf" >"$dir/log/slurmctld.out" 2>&1 || unavailable "slurmctld did not start (see $dir/log)"
  slurmd -f "$conf" >"$dir/log/slurmd.out" 2>&1 || unavailable "slurmd did not start (see $dir/log)"
  for _ in $(seq 150); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
    case "$state" in idle*|mix*|alloc*) echo "ready"; exit 0 ;; esac
    sleep 0.2
  done
  unavailable "slurmd did not register with slurmctld within 30 s (node state '${state:-none}'; see $dir/log)"
}

case "$action" in
  start) start ;;
  stop) stop; echo "stopped" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
