#!/usr/bin/env bash
# Dagon.Dsl: a real one-node Slurm (Debian 12's slurm-wlm 22.05, munge) on this machine, for the Slurm tests.
#
#   bash scripts/setup-slurm.sh                          # as root; idempotent, well under a second when Slurm is up
#   DAGON_SLURM_SMOKE=1 bash scripts/setup-slurm.sh      # also rerun the smoke test when nothing changed
#
# Installs slurm-wlm and munge, writes /etc/slurm/slurm.conf (scripts/lib/slurm.sh: cluster `dagon`, this machine
# as controller and only node at 127.0.0.1 on the default ports 6817/6818, partitions `debug` (default) and
# `short`), and starts munged (as user munge), slurmctld and slurmd directly: there is no systemd on these machines
# (PID 1 is not an init that runs units), and the packages' units are never used. A changed slurm.conf reaches
# running daemons by `scontrol reconfigure` (a restart only when that fails); otherwise they are left alone. Then it waits until
# `sinfo` shows the node usable and, when anything changed, runs a smoke test: `sbatch --wait` jobs that print a
# line and run `apptainer exec` on a busybox image (jobs run as root here; `apptainer` is the wrapper of
# scripts/setup-apptainer.sh, which drops to its own ordinary user).
#
# What Slurm reports here for jobs that break their limits, and how long things take: docs/slurm-testing.md.
set -euo pipefail

DAGON_LOG_TAG=setup-slurm
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
# shellcheck source=lib/roots.sh
source "$here/lib/roots.sh"
# shellcheck source=lib/host.sh
source "$here/lib/host.sh"
# shellcheck source=lib/slurm.sh
source "$here/lib/slurm.sh"

readonly DAGON_HOME=${DAGON_HOME:-/var/lib/dagon}
readonly CONF=/etc/slurm/slurm.conf
readonly JOBCOMP=/var/log/slurm/jobcomp.log
readonly CACHE=/var/cache/dagon/slurm
readonly ADDRESS=127.0.0.1
NODE=$(hostname -s)
readonly NODE

# The daemon behind a pid file runs when the pid is alive and is that program.
daemon_alive() {
  local name=$1 pidfile=$2 pid
  [[ -s $pidfile ]] && read -r pid <"$pidfile" && [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$name"* ]]
}

stop_daemon() {
  local name=$1 pidfile=$2 pid i
  daemon_alive "$name" "$pidfile" || return 0
  read -r pid <"$pidfile"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  log "stopped $name (pid $pid)"
}

# Starts a self-daemonizing program without this script's lock (fd 9), which it would otherwise hold forever.
daemon() { "$@" 9>&-; }

munge_works() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  [[ -s /etc/munge/munge.key ]] || {
    run_logged "mungekey could not create /etc/munge/munge.key" mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 600 /etc/munge/munge.key
  }
  ensure_dir /run/munge munge:munge 755
  munge_works && return 0
  # A munged that no longer answers (or a stale socket) is replaced.
  stop_daemon munged /run/munge/munged.pid
  run_logged "munged did not start" daemon setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged
  wait_for 10 munge_works || die "munged started but \`munge -n | unmunge\` still fails (see /var/log/munge/munged.log)"
  log "munged started"
  changed=1
}

ctld_answers() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

start_slurm() {
  local conf_changed=$1
  # A changed slurm.conf reaches running daemons by `scontrol reconfigure` (jobs and clients such as a running
  # `sbatch --wait` carry on); only when that fails are both restarted.
  if ((conf_changed)) && daemon_alive slurmctld /run/slurmctld.pid && ctld_answers; then
    if scontrol reconfigure >/dev/null 2>&1; then
      log "slurmctld and slurmd reconfigured"
    else
      log "scontrol reconfigure failed: restarting slurmctld and slurmd"
      stop_daemon slurmd /run/slurmd.pid
      stop_daemon slurmctld /run/slurmctld.pid
    fi
  elif ((conf_changed)); then
    stop_daemon slurmd /run/slurmd.pid
    stop_daemon slurmctld /run/slurmctld.pid
  fi
  if ! daemon_alive slurmctld /run/slurmctld.pid; then
    run_logged "slurmctld did not start (see /var/log/slurm/slurmctld.log)" daemon /usr/sbin/slurmctld
    log "slurmctld started"
    changed=1
  fi
  wait_for 30 ctld_answers || die "slurmctld does not answer \`scontrol ping\` (see /var/log/slurm/slurmctld.log)"
  if ! daemon_alive slurmd /run/slurmd.pid; then
    run_logged "slurmd did not start (see /var/log/slurm/slurmd.log)" daemon /usr/sbin/slurmd
    log "slurmd started"
    changed=1
  fi
}

node_state() { sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n 1; }
node_usable() { [[ $(node_state) =~ ^(idle|mixed|allocated|completing)$ ]]; }

wait_node() {
  local state
  if ! wait_for 30 node_usable; then
    state=$(node_state)
    # A node that a crash or an old config left down or drained comes back once the daemons are healthy.
    if [[ $state == down* || $state == drain* ]]; then
      log "node $NODE is $state: resuming it"
      scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
      wait_for 15 node_usable && return 0
    fi
    sinfo -N -l >&2 || true
    tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
    die "node $NODE is not usable in sinfo (state: ${state:-none}) after 30 s"
  fi
}

# A busybox SIF for the smoke test, built once (the wrapper's ordinary user must read it: /var/cache/dagon is bound).
busybox_image() {
  local image=$CACHE/busybox.sif dir
  if [[ ! -s $image ]]; then
    dir=$(mktemp -d /tmp/dagon-slurm-busybox.XXXXXX)
    mkdir -p "$dir"/rootfs/{bin,etc,tmp,proc,sys,dev,home,root}
    cp /bin/busybox "$dir/rootfs/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
      [[ $applet == busybox ]] || ln -s busybox "$dir/rootfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/rootfs/etc/passwd"
    # Apptainer runs as its own ordinary user, which writes the image here.
    chmod 1777 "$dir"
    run_logged "apptainer build of the smoke image failed" apptainer -s build "$dir/busybox.sif" "$dir/rootfs/"
    install -m 644 "$dir/busybox.sif" "$image"
    rm -rf -- "$dir"
  fi
  printf '%s' "$image"
}

smoke_test() {
  local t0 dir out image id
  t0=$(now)
  dir=$(mktemp -d /tmp/dagon-slurm-smoke.XXXXXX)
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf -- '$dir'" EXIT
  out=$(sbatch --parsable --wait -J dagon-smoke -o "$dir/plain.out" --wrap 'echo "slurm smoke on $(hostname)"' 2>&1) ||
    die "smoke test: sbatch --wait of a plain job failed: $out"
  [[ $(cat "$dir/plain.out") == "slurm smoke on $NODE" ]] || die "smoke test: job $out wrote '$(cat "$dir/plain.out")'"
  log "  sbatch --wait of a plain job: ok (job $out, $(elapsed "$t0"))"
  if command -v apptainer >/dev/null; then
    image=$(busybox_image)
    local t
    t=$(now)
    chmod 755 "$dir"
    id=$(sbatch --parsable --wait -J dagon-smoke-apptainer -o "$dir/apptainer.out" \
      --wrap "apptainer -s exec $image sh -c 'echo apptainer in slurm'" 2>&1) ||
      die "smoke test: sbatch --wait of an apptainer job failed: $id; output: $(cat "$dir/apptainer.out" 2>/dev/null)"
    grep -qx 'apptainer in slurm' "$dir/apptainer.out" ||
      die "smoke test: the apptainer job $id wrote: $(cat "$dir/apptainer.out")"
    log "  sbatch --wait of an apptainer exec job: ok (job $id, $(elapsed "$t"))"
  else
    log "  no apptainer on PATH: apptainer-in-Slurm not checked (run scripts/setup-apptainer.sh)"
  fi
  rm -rf -- "$dir"
  trap - EXIT
  log "smoke test passed ($(elapsed "$t0"))"
}

main() {
  local t0 conf_changed=0
  t0=$(now)
  ((EUID == 0)) || die "run as root (it installs packages and starts munged, slurmctld and slurmd)"
  mkdir -p "$DAGON_HOME"
  exec 9>"$DAGON_HOME/.slurm.lock"
  flock -w 300 9 || die "another setup-slurm.sh has held $DAGON_HOME/.slurm.lock for 5 minutes"
  # /usr/local/bin first: jobs inherit this PATH and find the apptainer wrapper there.
  PATH=/usr/local/bin:$PATH

  ensure_host_packages slurm-wlm munge busybox-static
  # SlurmUser=root: the daemons' folders belong to root (the package made them for user slurm).
  ensure_dir /var/lib/slurm/slurmctld root:root 755
  ensure_dir /var/lib/slurm/slurmd root:root 755
  ensure_dir /var/log/slurm root:root 755
  ensure_dir "$CACHE" root:root 755
  [[ -f $JOBCOMP ]] || install -m 644 /dev/null "$JOBCOMP"
  local before=$changed
  changed=0
  ensure_file "$CONF" 644 < <(slurm_conf "$NODE" "$ADDRESS" "$(nproc)" "$(slurm_real_memory)" 6817 6818 /var/lib/slurm /var/log/slurm)
  conf_changed=$changed
  changed=$((changed | before))

  start_munge
  start_slurm "$conf_changed"
  wait_node
  log "$(sinfo --version): node $NODE $(node_state) ($(sinfo -h -o '%P %l %c %m' | tr '\n' ';'))"
  if ((changed || ${DAGON_SLURM_SMOKE:-0})); then
    smoke_test
  else
    log "nothing changed; smoke test skipped (DAGON_SLURM_SMOKE=1 forces it)"
  fi
  log "done in $(elapsed "$t0")"
}

main "$@"
