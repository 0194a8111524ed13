#!/usr/bin/env bash
# Dagon.Dsl: a real "remote HPC node" on this machine, for the remote-task tests and for trying remote workflows.
#
#   sudo scripts/remote-node.sh prepare   # cold: builds the node's root filesystem once (cached), about 30 s
#   sudo scripts/remote-node.sh start     # warm start, about 1 s; prints and writes the connection details
#   sudo scripts/remote-node.sh status    # exit 0 when the node runs and its sshd answers
#   sudo scripts/remote-node.sh stop
#
# The node has its own mount, UTS, PID and IPC namespaces, its own hostname (dagon-node), its own root filesystem
# (a Debian sid root with openssh-server and Apptainer), a tmpfs /tmp, and an sshd on its own loopback address
# (127.0.0.2 by default). Logins are as the ordinary user `hpcuser` with a key; Apptainer runs there natively in
# its unprivileged mode. Nothing on the node shares a path with this machine, so anything a workflow needs there
# has to cross SSH.
#
# Settings (environment):
#   DAGON_HOME                 /var/lib/dagon; the node root is $DAGON_HOME/node-root
#   DAGON_NODE_NAME            instance name (default "node"); several instances may run from one root
#   DAGON_NODE_ADDRESS         listen address (default 127.0.0.2; must be loopback)
#   DAGON_NODE_PORT            listen port (default 2222)
#   DAGON_NODE_AUTHORIZED_KEY  public key allowed to log in; default: a key generated in the state folder
#   DAGON_NODE_STATE           state folder (default $DAGON_HOME/nodes/$DAGON_NODE_NAME)
#
# `start` writes $DAGON_NODE_STATE/node.env (shell-sourceable KEY=VALUE lines: address, port, user, key path,
# known_hosts file, pid, sshd log); the tests read it.
set -euo pipefail

DAGON_LOG_TAG=remote-node
# shellcheck source=lib/roots.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/roots.sh"

readonly DAGON_HOME=${DAGON_HOME:-/var/lib/dagon}
readonly NODE_ROOT=$DAGON_HOME/node-root
readonly SID_ROOT=$DAGON_HOME/sid-root
readonly MIRROR=${DAGON_SID_MIRROR:-http://deb.debian.org/debian}
readonly NAME=${DAGON_NODE_NAME:-node}
readonly ADDRESS=${DAGON_NODE_ADDRESS:-127.0.0.2}
readonly PORT=${DAGON_NODE_PORT:-2222}
readonly STATE=${DAGON_NODE_STATE:-$DAGON_HOME/nodes/$NAME}
readonly NODE_USER=hpcuser NODE_UID=3100
readonly NODE_HOSTNAME=dagon-$NAME
readonly PACKAGES=(openssh-server apptainer squashfuse fuse2fs fuse-overlayfs e2fsprogs busybox-static procps)
readonly RECIPE="dagon-node-root recipe 1: sid + ${PACKAGES[*]} + user $NODE_USER($NODE_UID)"
readonly STAMP=etc/dagon-node-root.stamp


[[ $ADDRESS == 127.* ]] || die "DAGON_NODE_ADDRESS must be a loopback address (127.0.0.0/8), not $ADDRESS"
[[ $PORT =~ ^[0-9]+$ ]] || die "DAGON_NODE_PORT must be a number, not $PORT"

root_is_current() {
  local line
  [[ -f $NODE_ROOT/$STAMP ]] && IFS= read -r line <"$NODE_ROOT/$STAMP" && [[ $line == "$RECIPE" ]]
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
  [[ -e $NODE_ROOT ]] && remove_tree "$NODE_ROOT"
  mv "$tmp" "$NODE_ROOT"
  trap - EXIT
  log "node root ready ($((SECONDS - t0)) s)"
}

# Apptainer's build reads /etc/hosts, which a fresh debootstrap does not write.
ensure_hosts_file() {
  [[ -s $1/etc/hosts ]] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$1/etc/hosts"
}

pid_alive() { [[ -f $STATE/pid ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; }

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
  if pid_alive && sshd_answers; then
    log "node $NAME already runs (pid $(cat "$STATE/pid"))"
    write_env
    return
  fi
  pid_alive && stop_node
  if sshd_answers; then die "something else already listens on $ADDRESS:$PORT; choose DAGON_NODE_PORT"; fi

  local pubkey=${DAGON_NODE_AUTHORIZED_KEY:-}
  if [[ -z $pubkey ]]; then
    [[ -f $STATE/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C "dagon-remote-node-$NAME" -f "$STATE/id_ed25519"
    pubkey=$STATE/id_ed25519.pub
  fi
  [[ -f $pubkey ]] || die "DAGON_NODE_AUTHORIZED_KEY: $pubkey does not exist"
  ensure_hosts_file "$NODE_ROOT"
  local home=$NODE_ROOT/home/$NODE_USER
  install -d -o "$NODE_UID" -g "$NODE_UID" -m 700 "$home/.ssh"
  install -o "$NODE_UID" -g "$NODE_UID" -m 600 "$pubkey" "$home/.ssh/authorized_keys"

  local config=/etc/ssh/sshd_config.$NAME sshd_log=/var/log/sshd-$NAME.log
  # LogLevel VERBOSE logs each "Accepted publickey" line: the tests count connections with it.
  # MaxSessions above the default 10 because one connection carries every task's channel.
  cat >"$NODE_ROOT$config" <<EOF
Port $PORT
ListenAddress $ADDRESS
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_rsa_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
UsePAM no
LogLevel VERBOSE
MaxSessions 64
MaxStartups 64:30:128
AllowUsers $NODE_USER
Subsystem sftp internal-sftp
PidFile /run/sshd-$NAME.pid
EOF
  : >"$NODE_ROOT$sshd_log"

  # The node's PID 1 is a bash that starts sshd and reaps every orphan (tasks are started under setsid).
  # shellcheck disable=SC2016
  local inner='
    set -e
    root=$1 node_hostname=$2 config=$3 sshd_log=$4
    hostname "$node_hostname"
    mount --make-rprivate /
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mount -t tmpfs -o mode=755 tmpfs "$root/run"
    mkdir -p "$root/run/sshd"
    cd "$root"
    pivot_root . .oldroot
    cd /
    umount -l /.oldroot
    /usr/sbin/sshd -D -f "$config" -E "$sshd_log" &
    sshd=$!
    trap "kill -TERM $sshd 2>/dev/null" TERM INT
    while kill -0 $sshd 2>/dev/null; do wait $sshd || true; done
  '
  setsid nohup unshare --mount --uts --pid --ipc --fork --kill-child -- \
    /bin/bash -c "$inner" node-init "$NODE_ROOT" "$NODE_HOSTNAME" "$config" "$sshd_log" \
    >"$STATE/node.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$STATE/pid"
  local i
  for ((i = 0; i < 100; i++)); do
    sshd_answers && break
    pid_alive || { cat "$STATE/node.log" >&2; die "the node exited while starting"; }
    sleep 0.05
  done
  sshd_answers || {
    cat "$STATE/node.log" "$NODE_ROOT$sshd_log" >&2
    die "sshd on $ADDRESS:$PORT did not answer within 5 s"
  }
  # known_hosts for this address and port, from the node's own host keys (no network scan needed).
  local kh=$STATE/known_hosts hostspec="[$ADDRESS]:$PORT"
  ((PORT == 22)) && hostspec=$ADDRESS
  : >"$kh"
  # Only the key types sshd_config offers (sid's ssh-keygen -A also makes post-quantum keys older clients cannot parse).
  for k in "$NODE_ROOT"/etc/ssh/ssh_host_{ed25519,ecdsa,rsa}_key.pub; do
    printf '%s %s\n' "$hostspec" "$(cut -d' ' -f1,2 "$k")" >>"$kh"
  done
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
  [[ -d $STATE ]] || { log "node $NAME is not running"; return; }
  exec 9>"$STATE/.lock"
  flock -w 30 9 || die "another start/stop of node $NAME is running"
  if pid_alive; then
    stop_node
    log "node $NAME stopped"
  else
    rm -f "$STATE/pid"
    log "node $NAME is not running"
  fi
}

cmd_status() {
  if pid_alive && sshd_answers; then
    log "node $NAME runs (pid $(cat "$STATE/pid")), sshd answers on $ADDRESS:$PORT"
    [[ -f $STATE/node.env ]] && cat "$STATE/node.env"
    return 0
  fi
  if root_is_current; then log "node $NAME is not running (root prepared)"; else log "node root not prepared"; fi
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
