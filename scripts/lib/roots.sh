# Shell helpers shared by the provisioning scripts (setup-apptainer.sh, remote-node.sh), which both build and enter
# Debian roots. Source it after setting DAGON_LOG_TAG, the name that prefixes every line a script prints.
: "${DAGON_LOG_TAG:?set DAGON_LOG_TAG before sourcing scripts/lib/roots.sh}"

log() { printf '[%s] %s\n' "$DAGON_LOG_TAG" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$DAGON_LOG_TAG" "$*" >&2
  exit 1
}

# Runs a command quietly into a log file; on failure shows the log's tail and stops with REASON.
run_logged() {
  local reason=$1 logfile
  shift
  logfile=$(mktemp "/tmp/dagon-$DAGON_LOG_TAG.XXXXXX.log")
  if ! "$@" </dev/null >"$logfile" 2>&1; then
    printf '[%s] --- last lines of %s ---\n' "$DAGON_LOG_TAG" "$logfile" >&2
    tail -n 25 "$logfile" | sed 's/^/    /' >&2
    die "$reason (command: $*)"
  fi
  rm -f "$logfile"
}

# Runs a command chrooted into DIR with /proc, /sys and /dev mounted in a private mount namespace: the mounts vanish
# with the command, even if this script is killed, so no mount is ever left under a folder we may delete.
in_root() {
  local dir=$1
  shift
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare --mount --propagation private -- /bin/sh -euc '
    dir=$1; shift
    mount -t proc proc "$dir/proc"
    mount --rbind /sys "$dir/sys"
    mount --rbind /dev "$dir/dev"
    exec chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive "$@"' in_root "$dir" "$@"
}

# Refuses to delete a folder that something is mounted under (which would delete through the mount).
remove_tree() {
  local dir=$1
  if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    die "will not delete $dir: something is mounted under it (see /proc/self/mountinfo)"
  fi
  rm -rf --one-file-system -- "$dir"
}
