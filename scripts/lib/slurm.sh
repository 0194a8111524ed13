# The one-node Slurm cluster the tests use, shared by scripts/setup-slurm.sh (this machine, Debian 12's Slurm 22.05)
# and scripts/remote-node.sh (the test node, Debian sid's Slurm 26.05). Both read the same slurm.conf text.

# Prints a slurm.conf for a cluster of one node that is its own controller:
#   slurm_conf NODE ADDRESS CPUS REAL_MEMORY_MB CTLD_PORT SLURMD_PORT STATE_DIR LOG_DIR [EXTRA_LINE...]
# STATE_DIR holds slurmctld/ and slurmd/ (they must exist), LOG_DIR the daemons' logs and jobcomp.log (create it
# 0644 before slurmctld starts); pid files are in /run. Decisions a launcher can rely on:
#   - select/cons_tres with CR_Core_Memory: CPUs and memory are both tracked; a job that asks for no memory gets
#     DefMemPerCPU (512 MB per CPU), not the whole node, so jobs run side by side up to the node's CPUs.
#   - jobacct_gather/linux + OverMemoryKill polls every second and kills a step that exceeds its --mem (these
#     machines have no usable cgroup for Slurm, so proctrack/linuxproc + task/none and no cgroup enforcement).
#   - no slurmdbd: jobcomp/filetxt writes one line per finished job to LOG_DIR/jobcomp.log, which
#     `sacct -c` reads (as root); squeue/scontrol keep finished jobs for MinJobAge (600 s).
#   - partitions: `debug` (default, no time limit) and `short` (MaxTime 10 minutes), both on the one node.
#   - batch_sched_delay=0: a submitted batch job is scheduled at once (the default lets Slurm wait up to 3 s, which
#     made every job of a test start 0-3 s late and jobs start in pairs every 3 s).
#   - KillWait=5, OverTimeLimit=0: a job past its --time is signalled and killed within seconds of being found.
slurm_conf() {
  local node=$1 address=$2 cpus=$3 memory=$4 ctld_port=$5 slurmd_port=$6 state=$7 logs=$8
  shift 8
  cat <<EOF
# Written by Dagon.Dsl's provisioning scripts (scripts/lib/slurm.sh); rewritten on every run, edits are lost.
ClusterName=dagon
SlurmctldHost=$node($address)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$logs/jobcomp.log
MinJobAge=600
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=5
OverTimeLimit=0
EOF
  local line
  for line in "$@"; do printf '%s\n' "$line"; done
  cat <<EOF
NodeName=$node NodeAddr=$address CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=$node MaxTime=00:10:00 State=UP
EOF
}

# A RealMemory (MB) below what the machine has: three quarters of MemTotal, so slurmd never finds less than configured.
slurm_real_memory() {
  awk '/^MemTotal:/ { printf "%d\n", $2 / 1024 * 3 / 4 }' "${1:-/proc/meminfo}"
}
