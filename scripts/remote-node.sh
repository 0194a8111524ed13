#!/usr/bin/env bash
# Dagon.Dsl: a real "remote HPC node" on this machine, for the remote-task tests and for trying remote workflows.
#
#   sudo scripts/remote-node.sh prepare   # cold: builds the node's root filesystem once (cached), about 30 s
#   sudo scripts/remote-node.sh start     # warm start, about 1 s; prints and writes the connection details
#   sudo scripts/remote-node.sh status    # exit 0 when the node runs and its sshd answers
#   sudo scripts/remote-node.sh stop
#
# The node has its own network, mount, UTS, PID and IPC namespaces, its own hostname (dagon-node), its own root
# filesystem (a Debian sid root with openssh-server and Apptainer), a tmpfs /tmp, and an sshd on its own address.
# Its network namespace (dagon-<name>) is joined to this machine by a veth pair on a /30 the script chooses out of
# 10.250.0.0/16 (derived from the node name): this machine is .1 (veth dg-<name>-h), the node .2 (dg-<name>-n, with
# its own lo). The node has no default route: it reaches only this machine's end of the pair, and nothing reaches
# it but this machine. Its /etc/hosts names its own address. Logins are as the ordinary user `hpcuser` with a key;
# Apptainer runs there natively in its unprivileged mode. The node is also a one-node Slurm cluster of its own (sid's
# Slurm 26.05: munged, slurmctld and slurmd started with the node, bound to its address on ports 6917/6918 so they
# never meet a Slurm on this machine; slurm.conf from scripts/lib/slurm.sh; `sbatch` over SSH runs jobs as hpcuser;
# see docs/slurm-testing.md). Nothing on the node shares a path with this machine, so
# anything a workflow needs there has to cross SSH. `stop` removes the node, its veth pair and its namespace; `start`
# first clears what a killed earlier run left behind. Needs `ip` (iproute2; installed when missing) and a kernel
# that allows network namespaces and veth pairs: without them `start` stops with the reason (no fallback).
#
# Settings (environment):
#   DAGON_HOME                 /var/lib/dagon; the node root is $DAGON_HOME/node-root
#   DAGON_NODE_NAME            instance name (default "node"); several instances may run from one root
#   DAGON_NODE_ADDRESS         the node's address: the second address of a /30 in 10.250.0.0/16 or 198.18.0.0/15
#                              (default: 10.250.X.Y chosen from the name); this machine's end is the first
#   DAGON_NODE_PORT            listen port (default 2222)
#   DAGON_NODE_AUTHORIZED_KEY  public key allowed to log in; default: a key generated in the state folder
#   DAGON_NODE_STATE           state folder (default $DAGON_HOME/nodes/$DAGON_NODE_NAME)
#   DAGON_NODE_SLURMCTLD_PORT  the node's slurmctld port (default 6917); DAGON_NODE_SLURMD_PORT its slurmd's (6918)
#
# `start` writes $DAGON_NODE_STATE/node.env (shell-sourceable KEY=VALUE lines: address, port, user, key path,
# known_hosts file, pid, sshd log, network namespace and this machine's address, Slurm's ports, slurm.conf and log
# folder); the tests read it. `start` returns once sshd answers and Slurm shows the node idle.
set -euo pipefail

DAGON_LOG_TAG=remote-node
# shellcheck source=lib/roots.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/roots.sh"
# shellcheck source=lib/slurm.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/slurm.sh"

readonly DAGON_HOME=${DAGON_HOME:-/var/lib/dagon}
readonly NODE_ROOT=$DAGON_HOME/node-root
readonly SID_ROOT=$DAGON_HOME/sid-root
readonly MIRROR=${DAGON_SID_MIRROR:-http://deb.debian.org/debian}
readonly NAME=${DAGON_NODE_NAME:-node}
[[ $NAME =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || die "DAGON_NODE_NAME may hold only letters, digits, '_', '.', '-': $NAME"
# The node's /30: chosen from the name (one of the 16384 /30s of 10.250.0.0/16) unless DAGON_NODE_ADDRESS says.
ip4_to_int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int_to_ip4() { echo "$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))"; }
NAME_HASH=$(($(cksum <<<"$NAME" | cut -d' ' -f1) % 16384))
readonly NAME_HASH
readonly ADDRESS=${DAGON_NODE_ADDRESS:-$(int_to_ip4 $(($(ip4_to_int 10.250.0.0) + NAME_HASH * 4 + 2)))}
[[ $ADDRESS =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die "DAGON_NODE_ADDRESS is not an IPv4 address: $ADDRESS"
# Only the project's own ranges (a private test range and the benchmark range), and the node's end of a /30.
case $(($(ip4_to_int "$ADDRESS") >> 16)) in
  $(($(ip4_to_int 10.250.0.0) >> 16)) | $(($(ip4_to_int 198.18.0.0) >> 16)) | $(($(ip4_to_int 198.19.0.0) >> 16))) ;;
  *) die "DAGON_NODE_ADDRESS must lie in 10.250.0.0/16 or 198.18.0.0/15 (the node lives in its own network namespace), not $ADDRESS" ;;
esac
(($(ip4_to_int "$ADDRESS") % 4 == 2)) || die "DAGON_NODE_ADDRESS must be the second address of a /30 (last number 2, 6, 10, ...), not $ADDRESS"
HOST_ADDRESS=$(int_to_ip4 $(($(ip4_to_int "$ADDRESS") - 1)))
readonly HOST_ADDRESS
readonly NETNS=dagon-$NAME
# Interface names hold at most 15 characters: long node names use their hash.
VETH=dg-$NAME
((${#NAME} <= 10)) || VETH=dg-x$(printf '%04x' "$NAME_HASH")
readonly VETH
readonly VETH_HOST=$VETH-h VETH_NODE=$VETH-n
readonly PORT=${DAGON_NODE_PORT:-2222}
readonly STATE=${DAGON_NODE_STATE:-$DAGON_HOME/nodes/$NAME}
readonly NODE_USER=hpcuser NODE_UID=3100
readonly NODE_HOSTNAME=dagon-$NAME
readonly PACKAGES=(openssh-server apptainer squashfuse fuse2fs fuse-overlayfs e2fsprogs busybox-static procps)
readonly RECIPE="dagon-node-root recipe 1: sid + ${PACKAGES[*]} + user $NODE_USER($NODE_UID)"
readonly STAMP=etc/dagon-node-root.stamp
# Slurm is a layer installed on top of a finished root, in place, and recorded as a further line of the stamp: the
# first line stays the base recipe, so a root with the layer still counts as current for scripts that know only the
# base, and a root without it (or with an older layer line) gets the layer added without a rebuild. Change the
# layer line to make every cached root install it again.
readonly SLURM_PACKAGES=(slurm-wlm munge)
readonly SLURM_LAYER="dagon-node-root layer slurm 2: ${SLURM_PACKAGES[*]} + cgroup.conf CgroupPlugin=disabled + /etc/slurm/slurm.conf bound per node"
# Not Slurm's default ports, and bound to the node's own address only: this machine may run its own Slurm.
readonly SLURMCTLD_PORT=${DAGON_NODE_SLURMCTLD_PORT:-6917} SLURMD_PORT=${DAGON_NODE_SLURMD_PORT:-6918}
readonly SLURM_LOG_DIR=/var/log/slurm-$NAME


[[ $PORT =~ ^[0-9]+$ ]] || die "DAGON_NODE_PORT must be a number, not $PORT"
[[ $SLURMCTLD_PORT =~ ^[0-9]+$ && $SLURMD_PORT =~ ^[0-9]+$ ]] || die "DAGON_NODE_SLURMCTLD_PORT and DAGON_NODE_SLURMD_PORT must be numbers"

base_is_current() {
  local line
  [[ -f $NODE_ROOT/$STAMP ]] && IFS= read -r line <"$NODE_ROOT/$STAMP" && [[ $line == "$RECIPE" ]]
}
root_is_current() { base_is_current && grep -qxF "$SLURM_LAYER" "$NODE_ROOT/$STAMP"; }

# Installs Slurm (sid's slurm-wlm, munge) into a finished root DIR and records the layer in its stamp. Harmless to
# a node that runs from DIR: it adds packages and files, and nothing starts until a node starts.
install_slurm_layer() {
  local dir=$1 t0=$SECONDS
  log "installing into the node root: ${SLURM_PACKAGES[*]}"
  run_logged "apt-get update in the node root failed" in_root "$dir" apt-get -o Acquire::Check-Valid-Until=false update
  run_logged "apt-get install of Slurm in the node root failed" in_root "$dir" apt-get install -y --no-install-recommends "${SLURM_PACKAGES[@]}"
  run_logged "apt-get clean failed" in_root "$dir" apt-get clean
  [[ -x $dir/usr/sbin/slurmctld && -x $dir/usr/sbin/slurmd && -x $dir/usr/sbin/munged ]] ||
    die "the node root has no slurmctld, slurmd or munged after installing ${SLURM_PACKAGES[*]}"
  # One munge key for every node started from this root (each node is a cluster of its own).
  if [[ ! -s $dir/etc/munge/munge.key ]]; then
    run_logged "mungekey failed" in_root "$dir" mungekey --create --keyfile=/etc/munge/munge.key
  fi
  run_logged "chown of the munge key failed" in_root "$dir" chown munge:munge /etc/munge/munge.key
  chmod 600 "$dir/etc/munge/munge.key"
  # Mount point for each node's own slurm.conf (written at start: it names the node and its address).
  mkdir -p "$dir/etc/slurm"
  [[ -e $dir/etc/slurm/slurm.conf ]] || : >"$dir/etc/slurm/slurm.conf"
  # Slurm 26.05's slurmd sets up a cgroup plugin even for proctrack/linuxproc and task/none, and stops with "No
  # filesystem mounted on /sys/fs/cgroup" in the node; the tests' Slurm uses no cgroups (as on this machine).
  printf '# Written by Dagon.Dsl (scripts/remote-node.sh): no cgroups in the test node.\nCgroupPlugin=disabled\n' \
    >"$dir/etc/slurm/cgroup.conf"
  grep -vF "dagon-node-root layer slurm " "$dir/$STAMP" >"$dir/$STAMP.new" || true
  printf '%s\n' "$SLURM_LAYER" >>"$dir/$STAMP.new"
  mv -f "$dir/$STAMP.new" "$dir/$STAMP"
  log "Slurm layer installed: $(in_root "$dir" slurmctld -V) ($((SECONDS - t0)) s)"
}

cmd_prepare() {
  ((EUID == 0)) || die "run as root"
  mkdir -p "$DAGON_HOME"
  exec 8>"$DAGON_HOME/.node-root.lock"
  flock -w 900 8 || die "another prepare holds $DAGON_HOME/.node-root.lock"
  if root_is_current; then
    log "node root $NODE_ROOT is in place"
    return
  fi
  if base_is_current; then
    install_slurm_layer "$NODE_ROOT"
    return
  fi
  local tmp=$DAGON_HOME/node-root.tmp.$$ t0=$SECONDS
  for old in "$DAGON_HOME"/node-root.tmp.*; do [[ -e $old ]] && remove_tree "$old"; done
  # shellcheck disable=SC2064
  trap "remove_tree '$tmp'" EXIT
  # The Apptainer root of scripts/setup-apptainer.sh, when it exists, saves the debootstrap; it is only read.
  if [[ -x $SID_ROOT/usr/bin/apt-get && -f $SID_ROOT/etc/dagon-sid-root.stamp ]]; then
    log "copying $SID_ROOT to $tmp"
    cp -a --one-file-system "$SID_ROOT" "$tmp"
    # The copy carries the other root's marker and user; the node is its own machine.
    rm -f "$tmp/.dagon-sid-root" "$tmp/etc/dagon-sid-root.stamp"
  else
    command -v debootstrap >/dev/null || run_logged "cannot install debootstrap" apt-get install -y debootstrap
    log "debootstrap --variant=minbase sid into $tmp (about 40 s)"
    run_logged "debootstrap failed" unshare --mount --propagation private -- debootstrap --variant=minbase sid "$tmp" "$MIRROR"
    printf 'Acquire::Check-Valid-Until "false";\n' >"$tmp/etc/apt/apt.conf.d/99dagon"
  fi
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"
  log "installing into the node root: ${PACKAGES[*]}"
  run_logged "apt-get update in the node root failed" in_root "$tmp" apt-get -o Acquire::Check-Valid-Until=false update
  run_logged "apt-get install in the node root failed" in_root "$tmp" apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  run_logged "apt-get clean failed" in_root "$tmp" apt-get clean
  # Host keys made once: they are the node's identity, and known_hosts files written later stay valid.
  rm -f "$tmp"/etc/ssh/ssh_host_*
  run_logged "ssh-keygen -A failed" in_root "$tmp" ssh-keygen -A
  if ! grep -q "^$NODE_USER:" "$tmp/etc/passwd"; then
    # useradd also writes /etc/subuid and /etc/subgid ranges, which `apptainer build --fakeroot` needs.
    run_logged "useradd failed" in_root "$tmp" useradd -u "$NODE_UID" -m -s /bin/bash "$NODE_USER"
  fi
  # sshd without PAM refuses locked accounts; '*' is unlocked but matches no password.
  run_logged "usermod failed" in_root "$tmp" usermod -p '*' "$NODE_USER"
  for f in subuid subgid; do
    grep -q "^$NODE_USER:" "$tmp/etc/$f" 2>/dev/null || echo "$NODE_USER:200000:65536" >>"$tmp/etc/$f"
  done
  mkdir -p "$tmp/.oldroot" "$tmp/run/sshd" "$tmp/var/log"
  ensure_hosts_file "$tmp"
  printf '%s\nbuilt %s\n' "$RECIPE" "$(date -u +%FT%TZ)" >"$tmp/$STAMP"
  install_slurm_layer "$tmp"
  [[ -e $NODE_ROOT ]] && remove_tree "$NODE_ROOT"
  mv "$tmp" "$NODE_ROOT"
  trap - EXIT
  log "node root ready ($((SECONDS - t0)) s)"
}

# Apptainer's build reads /etc/hosts, which a fresh debootstrap does not write.
ensure_hosts_file() {
  [[ -s $1/etc/hosts ]] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$1/etc/hosts"
}

# Runs a command inside the running node (its namespaces and root), as root.
node_exec() {
  local init
  init=$(cat "/proc/$(cat "$STATE/pid")/task/$(cat "$STATE/pid")/children" 2>/dev/null) && [[ -n $init ]] || return 1
  nsenter --target "${init%% *}" --mount --uts --ipc --net --pid -- \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"
}

# Slurm in the node answers and its one node can take jobs.
slurm_ready() {
  [[ $(node_exec sinfo -h -N -o %T 2>/dev/null | head -n 1) =~ ^(idle|mixed|allocated|completing)$ ]]
}

wait_slurm() {
  local i
  for ((i = 0; i < 150; i++)); do
    slurm_ready && return 0
    # Both daemons daemonize within a second; one that is gone after 2 s will not come (its log says why).
    if ((i >= 10)) && ! { node_exec pgrep -x slurmctld && node_exec pgrep -x slurmd; } >/dev/null 2>&1; then
      break
    fi
    sleep 0.2
  done
  cat "$STATE/node.log" >&2
  tail -n 20 "$NODE_ROOT$SLURM_LOG_DIR/slurmctld.log" "$NODE_ROOT$SLURM_LOG_DIR/slurmd.log" >&2 || true
  die "Slurm in node $NAME did not show its node as idle (within 30 s, with slurmctld and slurmd running) (sinfo: $(node_exec sinfo -h -N -o %T 2>&1 | head -n 3))"
}

pid_alive() { [[ -f $STATE/pid ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; }

netns_exists() { [[ -e /run/netns/$NETNS ]] || ip netns list 2>/dev/null | grep -qE "^$NETNS( |\$)"; }
veth_exists() { ip link show dev "$VETH_HOST" >/dev/null 2>&1; }

# Removes the node's veth pair and network namespace (what a stopped or killed node leaves); idempotent.
teardown_net() {
  command -v ip >/dev/null || return 0
  if veth_exists; then ip link del dev "$VETH_HOST" || die "cannot delete the veth $VETH_HOST"; fi
  if netns_exists; then ip netns del "$NETNS" || die "cannot delete the network namespace $NETNS"; fi
}

# The node's own network: namespace $NETNS with lo and $VETH_NODE ($ADDRESS/30), joined to $VETH_HOST
# ($HOST_ADDRESS/30) here. No default route and no forwarding: only this machine and the node talk over it.
setup_net() {
  if ! command -v ip >/dev/null; then
    log "installing iproute2 (for ip netns and veth)"
    run_logged "cannot install iproute2, which the node's network namespace needs" apt-get install -y iproute2
  fi
  teardown_net
  # The /30 must be free here: another interface with an address in it would make the route ambiguous.
  local other
  other=$(ip -o -4 addr show | awk -v h="$HOST_ADDRESS" -v n="$ADDRESS" '{ split($4, a, "/") } a[1] == h || a[1] == n { print $2 }' | head -n 1)
  [[ -z $other ]] && other=$(ip -4 route show "$HOST_ADDRESS/30" 2>/dev/null | head -n 1)
  [[ -z $other ]] || die "the node's subnet $HOST_ADDRESS/30 is already in use here ($other); choose DAGON_NODE_ADDRESS or DAGON_NODE_NAME"
  ip netns add "$NETNS" ||
    die "cannot create the network namespace $NETNS ('ip netns add' failed): the node needs its own network namespace; it does not fall back to a loopback address"
  if ! ip link add "$VETH_HOST" type veth peer name "$VETH_NODE" netns "$NETNS"; then
    teardown_net
    die "cannot create the veth pair $VETH_HOST/$VETH_NODE ('ip link add ... type veth' failed; is the veth module available?): the node needs it to be reachable"
  fi
  # shellcheck disable=SC2015 # the last part only runs on failure: it ends in die
  ip addr add "$HOST_ADDRESS/30" dev "$VETH_HOST" &&
    ip link set dev "$VETH_HOST" up &&
    ip -n "$NETNS" link set dev lo up &&
    ip -n "$NETNS" addr add "$ADDRESS/30" dev "$VETH_NODE" &&
    ip -n "$NETNS" link set dev "$VETH_NODE" up || {
    teardown_net
    die "cannot configure the veth pair $VETH_HOST ($HOST_ADDRESS) / $VETH_NODE ($ADDRESS) in $NETNS"
  }
}

# Answers when a TCP connection to the node's sshd gets an SSH banner.
sshd_answers() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 line <&3 && [[ $line == SSH-* ]]' "$ADDRESS" "$PORT" 2>/dev/null
}

cmd_start() {
  ((EUID == 0)) || die "run as root"
  root_is_current || die "the node root $NODE_ROOT is missing or out of date: run 'scripts/remote-node.sh prepare' (as root) first"
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 30 9 || die "another start/stop of node $NAME is running"
  local pubkey=${DAGON_NODE_AUTHORIZED_KEY:-}
  if [[ -z $pubkey ]]; then
    [[ -f $STATE/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C "dagon-remote-node-$NAME" -f "$STATE/id_ed25519"
    pubkey=$STATE/id_ed25519.pub
  fi
  [[ -f $pubkey ]] || die "DAGON_NODE_AUTHORIZED_KEY: $pubkey does not exist"
  # The key goes to a file of this instance's own, not to ~/.ssh/authorized_keys: instances share the root and so
  # the home folder, and each must accept only the key it was started with (tests start several side by side).
  # Written before the "already runs" check, so a node left running by an earlier (killed) test run accepts the
  # key of the run that starts now: sshd reads the file at every login.
  install -d -m 755 "$NODE_ROOT/etc/ssh/authorized_keys.d"
  install -m 644 "$pubkey" "$NODE_ROOT/etc/ssh/authorized_keys.d/$NAME"
  if pid_alive && sshd_answers && slurm_ready; then
    log "node $NAME already runs (pid $(cat "$STATE/pid"))"
    write_env
    return
  fi
  # A node that runs but does not answer, or what a killed one left (its veth pair and namespace), goes first.
  pid_alive && stop_node
  rm -f "$STATE/pid"
  setup_net

  ensure_hosts_file "$NODE_ROOT"
  local home=$NODE_ROOT/home/$NODE_USER
  install -d -o "$NODE_UID" -g "$NODE_UID" -m 700 "$home/.ssh"

  local config=/etc/ssh/sshd_config.$NAME sshd_log=/var/log/sshd-$NAME.log
  # LogLevel VERBOSE logs each "Accepted publickey" line: the tests count connections with it.
  # MaxSessions above the default 10 because one connection carries every task's channel. PerSourcePenalties off:
  # the failure tests refuse keys and hosts on purpose, and OpenSSH 10 would then refuse the next tests' connections.
  cat >"$NODE_ROOT$config" <<EOF
Port $PORT
ListenAddress $ADDRESS
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_rsa_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile /etc/ssh/authorized_keys.d/$NAME
PermitRootLogin no
UsePAM no
LogLevel VERBOSE
MaxSessions 64
MaxStartups 64:30:128
PerSourcePenalties no
AllowUsers $NODE_USER
Subsystem sftp internal-sftp
PidFile /run/sshd-$NAME.pid
EOF
  : >"$NODE_ROOT$sshd_log"
  slurm_conf "$NODE_HOSTNAME" "$ADDRESS" "$(nproc)" "$(slurm_real_memory)" "$SLURMCTLD_PORT" "$SLURMD_PORT" \
    /run/slurm "$SLURM_LOG_DIR" CommunicationParameters=NoCtldInAddrAny,NoInAddrAny >"$STATE/slurm.conf"

  # The node's PID 1 is a bash that starts sshd and reaps every orphan (tasks are started under setsid).
  # shellcheck disable=SC2016
  local inner='
    set -e
    root=$1 node_hostname=$2 config=$3 sshd_log=$4 address=$5 slurm_conf=$6 slurm_logs=$7
    hostname "$node_hostname"
    mount --make-rprivate /
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mount -t tmpfs -o mode=755 tmpfs "$root/run"
    mkdir -p "$root/run/sshd"
    # This node'"'"'s own /etc/hosts (the root may be shared by several nodes): it names the node'"'"'s address.
    printf "127.0.0.1\tlocalhost\n%s\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n" "$address" "$node_hostname" >"$root/run/hosts"
    mount --bind "$root/run/hosts" "$root/etc/hosts"
    # Its own slurm.conf too (it names the node, its address and its ports).
    cp "$slurm_conf" "$root/run/slurm.conf"
    mount --bind "$root/run/slurm.conf" "$root/etc/slurm/slurm.conf"
    cd "$root"
    pivot_root . .oldroot
    cd /
    umount -l /.oldroot
    # Slurm: munged as user munge, then slurmctld and slurmd (both daemonize; state on the tmpfs /run, so every
    # start is a fresh cluster). A daemon that fails leaves its reason in node.log or its log; start checks sinfo.
    mkdir -p /run/munge /run/slurm/slurmctld /run/slurm/slurmd "$slurm_logs"
    chown munge:munge /run/munge
    [ -e "$slurm_logs/jobcomp.log" ] || install -m 644 /dev/null "$slurm_logs/jobcomp.log"
    setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged || echo "node-init: munged did not start" >&2
    /usr/sbin/slurmctld || echo "node-init: slurmctld did not start" >&2
    /usr/sbin/slurmd || echo "node-init: slurmd did not start" >&2
    /usr/sbin/sshd -D -f "$config" -E "$sshd_log" &
    sshd=$!
    trap "kill -TERM $sshd 2>/dev/null" TERM INT
    while kill -0 $sshd 2>/dev/null; do wait $sshd || true; done
  '
  # ip netns exec and unshare both exec (no fork): the recorded PID is unshare's, inside the node's network namespace.
  setsid nohup ip netns exec "$NETNS" unshare --mount --uts --pid --ipc --fork --kill-child -- \
    /bin/bash -c "$inner" node-init "$NODE_ROOT" "$NODE_HOSTNAME" "$config" "$sshd_log" "$ADDRESS" "$STATE/slurm.conf" "$SLURM_LOG_DIR" \
    >"$STATE/node.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$STATE/pid"
  # The node starts munged, slurmctld and slurmd before sshd; on a machine busy with other test suites that has
  # taken more than 5 s, so the wait is generous (a healthy start answers in well under a second when idle).
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    sshd_answers && break
    pid_alive || { cat "$STATE/node.log" >&2; die "the node exited while starting"; }
    sleep 0.05
  done
  sshd_answers || {
    cat "$STATE/node.log" "$NODE_ROOT$sshd_log" >&2
    die "sshd on $ADDRESS:$PORT did not answer within 60 s"
  }
  # known_hosts for this address and port, from the node's own host keys (no network scan needed).
  local kh=$STATE/known_hosts hostspec="[$ADDRESS]:$PORT"
  ((PORT == 22)) && hostspec=$ADDRESS
  : >"$kh"
  # Only the key types sshd_config offers (sid's ssh-keygen -A also makes post-quantum keys older clients cannot parse).
  for k in "$NODE_ROOT"/etc/ssh/ssh_host_{ed25519,ecdsa,rsa}_key.pub; do
    printf '%s %s\n' "$hostspec" "$(cut -d' ' -f1,2 "$k")" >>"$kh"
  done
  wait_slurm
  write_env
  log "node $NAME ($NODE_HOSTNAME) started: $NODE_USER@$ADDRESS:$PORT, pid $(cat "$STATE/pid")"
}

write_env() {
  local key=${DAGON_NODE_AUTHORIZED_KEY:-$STATE/id_ed25519.pub}
  key=${key%.pub}
  cat >"$STATE/node.env" <<EOF
DAGON_NODE_NAME=$NAME
DAGON_NODE_HOSTNAME=$NODE_HOSTNAME
DAGON_NODE_ADDRESS=$ADDRESS
DAGON_NODE_PORT=$PORT
DAGON_NODE_USER=$NODE_USER
DAGON_NODE_KEY=$key
DAGON_NODE_KNOWN_HOSTS=$STATE/known_hosts
DAGON_NODE_PID=$(cat "$STATE/pid")
DAGON_NODE_ROOT=$NODE_ROOT
DAGON_NODE_SSHD_LOG=$NODE_ROOT/var/log/sshd-$NAME.log
DAGON_NODE_NETNS=$NETNS
DAGON_NODE_HOST_ADDRESS=$HOST_ADDRESS
DAGON_NODE_VETH=$VETH_HOST
DAGON_NODE_SLURMCTLD_PORT=$SLURMCTLD_PORT
DAGON_NODE_SLURMD_PORT=$SLURMD_PORT
DAGON_NODE_SLURM_CONF=$STATE/slurm.conf
DAGON_NODE_SLURM_LOG_DIR=$NODE_ROOT$SLURM_LOG_DIR
EOF
  cat "$STATE/node.env"
}

stop_node() {
  local pid i init
  pid=$(cat "$STATE/pid")
  # unshare ignores TERM while it waits; the node's init (its child, PID 1 inside) stops sshd on TERM, and when init
  # exits the kernel kills every process of the node's PID namespace.
  init=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)
  # shellcheck disable=SC2086 # init is a list of pids
  kill -TERM $init "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $init "$pid" 2>/dev/null || true
  rm -f "$STATE/pid"
}

cmd_stop() {
  if [[ -d $STATE ]]; then
    exec 9>"$STATE/.lock"
    flock -w 30 9 || die "another start/stop of node $NAME is running"
  fi
  if pid_alive; then
    stop_node
    log "node $NAME stopped"
  else
    rm -f "$STATE/pid" 2>/dev/null || true
    log "node $NAME is not running"
  fi
  if netns_exists || veth_exists; then
    teardown_net
    log "removed the network namespace $NETNS and the veth pair $VETH_HOST"
  fi
}

cmd_status() {
  local net="network namespace $NETNS: absent, veth $VETH_HOST: absent"
  netns_exists && net=${net/: absent,/: present,}
  veth_exists && net=${net%absent}present
  if pid_alive && sshd_answers; then
    log "node $NAME runs (pid $(cat "$STATE/pid")), sshd answers on $ADDRESS:$PORT; $net"
    [[ -f $STATE/node.env ]] && cat "$STATE/node.env"
    return 0
  fi
  if root_is_current; then log "node $NAME is not running (root prepared); $net"; else log "node root not prepared; $net"; fi
  return 1
}

case ${1-} in
  prepare) cmd_prepare ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  *) die "usage: $0 prepare|start|stop|status|restart" ;;
esac
