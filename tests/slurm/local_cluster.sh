#!/usr/bin/env bash
# A real single-node Slurm on localhost for the tests: munged, slurmctld and slurmd from Debian's
# packages, started by hand (no systemd), every file under one short temporary folder.
#   eval "$(tests/slurm/local_cluster.sh start DIR)"   starts it; prints `export SLURM_CONF=...`
#   tests/slurm/local_cluster.sh stop DIR              stops it (SIGTERM, then waits)
# Facts behind the settings: ../shared/notes/slurm-local.md.
set -euo pipefail
action=${1:?start|stop} dir=${2:?folder}
ports_base=${TRAWL_SLURM_PORT:-6917}

stop() {
  # The daemons remove their pid files as they exit: remember the pids, then wait for them.
  local pids=()
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"; do
    [[ -s "$pidfile" ]] && pids+=("$(cat "$pidfile")")
  done
  [[ ${#pids[@]} -gt 0 ]] && kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 100); do
    local alive=no
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=yes; done
    [[ $alive == no ]] && return 0
    sleep 0.1
  done
  [[ ${#pids[@]} -gt 0 ]] && kill -9 "${pids[@]}" 2>/dev/null || true
}

if [[ $action == stop ]]; then stop; exit 0; fi

for tool in munged slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null || { echo "local_cluster: $tool is not installed (scripts/setup.sh --slurm)" >&2; exit 3; }
done
mkdir -p "$dir"/{munge,state,spool}
chmod 755 "$dir" "$dir/munge"
head -c 1024 /dev/urandom > "$dir/munge.key"
chmod 400 "$dir/munge.key"
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
       --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
host=$(uname -n); host=${host%%.*}
layout=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]* //' -e 's/UpTime=.*//')
cat > "$dir/slurm.conf" <<CONF
ClusterName=trawltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ports_base
SlurmdPort=$((ports_base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
DependencyParameters=kill_invalid_depend
NodeName=$host NodeAddr=127.0.0.1 $layout State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  [[ "$state" == idle ]] && { echo "export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.2
done
echo "local_cluster: the node did not become idle (state '${state:-none}'); logs in $dir" >&2
tail -5 "$dir"/*.log >&2 || true
stop
exit 1
