#!/usr/bin/env bash
# Dagon.Dsl: makes a real Apptainer (1.4.5) usable as a plain `apptainer` command on a Debian 12 machine.
#
#   bash scripts/setup-apptainer.sh                            # as root; idempotent, well under a second when all is in place
#   DAGON_APPTAINER_SMOKE=1 bash scripts/setup-apptainer.sh    # also rerun the smoke test when nothing changed
#
# Debian 12 has no Apptainer package, and Debian sid's needs a newer glibc than the host has. So Apptainer is
# installed into a Debian sid root filesystem (${DAGON_HOME:-/var/lib/dagon}/sid-root) and reached through a
# wrapper, /usr/local/bin/apptainer (source: apptainer-wrapper.sh, apptainer-enter.sh next to this script), that
# runs it there as the ordinary user `dagon` (uid/gid 2950). If a working Apptainer that is not that wrapper is
# already on PATH, it is used as it is and only the folders and the environment are set up.
#
# Leaves behind: the sid root, user dagon, the wrapper, APPTAINER_CACHEDIR=/var/cache/dagon/apptainer and
# APPTAINER_TMPDIR=/var/tmp/dagon-apptainer (owned by dagon), and /etc/profile.d/dagon-apptainer.sh exporting both.
set -euo pipefail

DAGON_LOG_TAG=setup-apptainer
# shellcheck source=lib/roots.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/roots.sh"
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"

readonly DAGON_HOME=${DAGON_HOME:-/var/lib/dagon}
readonly SID_ROOT=$DAGON_HOME/sid-root
readonly SID_MIRROR=${DAGON_SID_MIRROR:-http://deb.debian.org/debian}
# Written last into a finished root. A root without one is rebuilt; one with an older recipe line is updated in place.
readonly STAMP_FILE=etc/dagon-sid-root.stamp
# debootstrap is there so that `apptainer build --fakeroot` of a `Bootstrap: debootstrap` definition works;
# e2fsprogs (mkfs.ext3) for `apptainer overlay create`; tini is PID 1 of each call (see apptainer-enter.sh).
readonly ROOT_PACKAGES=(apptainer squashfuse fuse2fs fuse-overlayfs e2fsprogs debootstrap ca-certificates tini)
readonly RECIPE="dagon-sid-root recipe 2: debootstrap --variant=minbase sid + ${ROOT_PACKAGES[*]}"
readonly APPTAINER_WANTED=1.4.5

# Apptainer runs as this user, with the same uid/gid on the host and inside the root so that files it writes into
# bound host folders have a stable owner. Fixed numbers: the runtime engine relies on them.
readonly RUN_USER=dagon RUN_UID=2950 RUN_GID=2950 RUN_HOME=/home/dagon

readonly WRAPPER=/usr/local/bin/apptainer
readonly ENTER=/usr/local/lib/dagon/apptainer-enter
readonly PROFILE=/etc/profile.d/dagon-apptainer.sh
readonly CACHE_DIR=/var/cache/dagon/apptainer
readonly TMP_DIR=/var/tmp/dagon-apptainer
readonly WRAPPER_MARKER=dagon-apptainer-wrapper
# Host folders the wrapper binds when they exist; their mount points are made in the root ahead of time.
readonly BIND_DIRS=(/tmp /var/tmp /home /work /srv /mnt /media /opt /scratch /data /var/cache/dagon)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here
changed=0
apt_updated=0

# Why chmod /dev/fuse: unprivileged Apptainer mounts images with FUSE as user dagon. The node is reset to 0600 when
# /dev is recreated, so this runs on every setup (and the wrapper checks it on every call too).
ensure_fuse() {
  [[ -c /dev/fuse ]] || die "/dev/fuse does not exist: this kernel/sandbox offers no FUSE, which unprivileged Apptainer needs"
  if [[ $(stat -c %a /dev/fuse) != 666 ]]; then
    chmod 666 /dev/fuse
    log "chmod 666 /dev/fuse"
  fi
}

ensure_host_user() {
  local entry uid gid
  if entry=$(getent passwd "$RUN_USER"); then
    IFS=: read -r _ _ uid gid _ <<<"$entry"
    [[ $uid == "$RUN_UID" && $gid == "$RUN_GID" ]] ||
      die "user $RUN_USER exists with uid:gid $uid:$gid; Dagon.Dsl needs $RUN_UID:$RUN_GID (the sid root uses the same numbers)"
  else
    if entry=$(getent passwd "$RUN_UID"); then die "uid $RUN_UID is taken by ${entry%%:*}; Dagon.Dsl needs it for user $RUN_USER"; fi
    if ! getent group "$RUN_USER" >/dev/null; then
      if entry=$(getent group "$RUN_GID"); then die "gid $RUN_GID is taken by group ${entry%%:*}; Dagon.Dsl needs it for group $RUN_USER"; fi
      groupadd -g "$RUN_GID" "$RUN_USER"
    fi
    useradd -u "$RUN_UID" -g "$RUN_GID" -d "$RUN_HOME" -m -s /bin/bash -c "Dagon.Dsl Apptainer runner" "$RUN_USER"
    log "created user $RUN_USER ($RUN_UID:$RUN_GID) on the host"
    changed=1
  fi
  # The root binds the host's /home, so this is the HOME Apptainer sees (it writes ~/.apptainer there).
  ensure_dir "$RUN_HOME" "$RUN_USER:$RUN_USER" 755
}

# Idempotent set-up of a root (fresh or existing): user, subordinate ids, mount points, marker.
configure_root() {
  local dir=$1 d
  if ! grep -q "^$RUN_USER:x:$RUN_UID:$RUN_GID:" "$dir/etc/passwd"; then
    grep -q "^$RUN_USER:" "$dir/etc/group" || in_root "$dir" groupadd -g "$RUN_GID" "$RUN_USER"
    # useradd in the root also gives the user /etc/subuid and /etc/subgid ranges, which --fakeroot builds need.
    in_root "$dir" useradd -u "$RUN_UID" -g "$RUN_GID" -d "$RUN_HOME" -m -s /bin/bash "$RUN_USER"
    changed=1
  fi
  local f
  for f in subuid subgid; do
    if ! grep -q "^$RUN_USER:" "$dir/etc/$f" 2>/dev/null; then
      echo "$RUN_USER:100000:65536" >>"$dir/etc/$f"
      log "added a $f range for $RUN_USER in the root"
      changed=1
    fi
  done
  for d in /.oldroot "${BIND_DIRS[@]}"; do
    [[ -d $dir$d ]] || { mkdir -p "$dir$d" && changed=1; }
  done
  # Bind targets for the host's name resolution files; the marker tells the wrapper it is inside the root.
  for f in /etc/resolv.conf /etc/hosts /.dagon-sid-root; do
    [[ -e $dir$f || -L $dir$f ]] || { touch "$dir$f" && changed=1; }
  done
}

# apt-get install of ROOT_PACKAGES into a root (a fresh one, or an existing one whose recipe changed).
install_root_packages() {
  local dir=$1 t0
  t0=$(now)
  log "installing into the root: ${ROOT_PACKAGES[*]}"
  run_logged "apt-get update inside the sid root failed" in_root "$dir" apt-get update
  run_logged "could not install ${ROOT_PACKAGES[*]} inside the sid root" \
    in_root "$dir" apt-get install -y "${ROOT_PACKAGES[@]}"
  run_logged "apt-get clean inside the sid root failed" in_root "$dir" apt-get clean
  [[ -x $dir/usr/bin/apptainer ]] || die "the sid root has no /usr/bin/apptainer after installing"
  log "packages installed ($(elapsed "$t0"))"
}

write_stamp() {
  local dir=$1
  {
    echo "$RECIPE"
    echo "made $(date -u +%Y-%m-%dT%H:%M:%SZ) from $SID_MIRROR"
    # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
    in_root "$dir" dpkg-query -W -f='${Package} ${Version}\n' "${ROOT_PACKAGES[@]}"
  } >"$dir/$STAMP_FILE.new"
  mv -f "$dir/$STAMP_FILE.new" "$dir/$STAMP_FILE"
}

build_root() {
  local tmp=$1 t0
  ensure_host_packages debootstrap

  t0=$(now)
  log "debootstrap --variant=minbase sid from $SID_MIRROR (about 30-40 s)"
  # In its own mount namespace: debootstrap mounts /proc and /sys inside the target.
  run_logged "debootstrap of Debian sid failed" \
    unshare --mount --propagation private -- debootstrap --variant=minbase sid "$tmp" "$SID_MIRROR"
  log "debootstrap done ($(elapsed "$t0"))"

  # The mirror is a dated snapshot whose Release files are past their Valid-Until date.
  printf 'Acquire::Check-Valid-Until "false";\n' >"$tmp/etc/apt/apt.conf.d/99dagon"
  # Nothing installed into the root may start a service.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"

  install_root_packages "$tmp"
  configure_root "$tmp"
  write_stamp "$tmp"
}

root_is_current() {
  local line
  [[ -f $SID_ROOT/$STAMP_FILE ]] && IFS= read -r line <"$SID_ROOT/$STAMP_FILE" && [[ $line == "$RECIPE" ]]
}

ensure_root() {
  local t0 tmp old
  t0=$(now)
  if root_is_current; then
    log "sid root $SID_ROOT is in place ($(grep -m1 '^apptainer ' "$SID_ROOT/$STAMP_FILE"))"
    configure_root "$SID_ROOT"
    return
  fi
  if [[ -f $SID_ROOT/$STAMP_FILE && -x $SID_ROOT/usr/bin/apptainer ]]; then
    # A finished root from an older recipe: add what is missing in place (seconds, and calls that are running
    # through the wrapper keep working) instead of rebuilding it.
    log "updating the sid root $SID_ROOT in place (its recipe changed)"
    install_root_packages "$SID_ROOT"
    configure_root "$SID_ROOT"
    write_stamp "$SID_ROOT"
    changed=1
    log "sid root updated: $(grep -m1 '^apptainer ' "$SID_ROOT/$STAMP_FILE") (total $(elapsed "$t0"))"
    return
  fi
  for old in "$DAGON_HOME"/sid-root.tmp.* "$DAGON_HOME"/sid-root.old.*; do
    [[ -e $old ]] && remove_tree "$old" # left over by an interrupted run
  done
  # Built next to its final place and renamed into it when complete: a root is either whole or absent.
  tmp=$DAGON_HOME/sid-root.tmp.$$
  # shellcheck disable=SC2064 # the path is fixed now; $tmp is a local that is gone at exit
  trap "remove_tree '$tmp'" EXIT
  log "building the Apptainer root in $tmp"
  build_root "$tmp"
  if [[ -e $SID_ROOT ]]; then
    log "replacing $SID_ROOT, which has no stamp (an unfinished or foreign root)"
    old=$DAGON_HOME/sid-root.old.$$
    mv "$SID_ROOT" "$old"
    mv "$tmp" "$SID_ROOT"
    remove_tree "$old"
  else
    mv "$tmp" "$SID_ROOT"
  fi
  trap - EXIT
  changed=1
  log "sid root ready: $(grep -m1 '^apptainer ' "$SID_ROOT/$STAMP_FILE") (total $(elapsed "$t0"))"
}

install_wrapper() {
  ensure_file "$WRAPPER" 755 < <(sed "s|@SID_ROOT@|$SID_ROOT|g" "$here/apptainer-wrapper.sh")
  ensure_file "$ENTER" 755 <"$here/apptainer-enter.sh"
}

install_environment() {
  ensure_dir /var/cache/dagon root:root 755
  ensure_dir "$CACHE_DIR" "$1" 755
  ensure_dir "$TMP_DIR" "$1" 755
  ensure_file "$PROFILE" 644 <<EOF
# Dagon.Dsl: where Apptainer keeps its image cache and build temporaries (written by scripts/setup-apptainer.sh).
export APPTAINER_CACHEDIR=$CACHE_DIR
export APPTAINER_TMPDIR=$TMP_DIR
EOF
}

# Checks a command's output against a wanted string; on mismatch shows what it printed.
expect_output() {
  local what=$1 want=$2 got
  shift 2
  if ! got=$("$@" </dev/null 2>&1) || [[ $got != *"$want"* ]]; then
    printf '%s\n' "$got" | tail -n 25 | sed 's/^/    /' >&2
    die "smoke test failed: $what (command: $*)"
  fi
}

# Builds a tiny busybox image from a local folder and runs it plainly and with an overlay and a bind:
# the same calls the runtime engine makes. OWNER is the user Apptainer runs as.
smoke_test() {
  local owner=$1 t0 t dir
  t0=$(now)
  dir=$(mktemp -d /tmp/dagon-apptainer-smoke.XXXXXX)
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf -- '$dir'" EXIT
  mkdir -p "$dir"/rootfs/{bin,etc,tmp,proc,sys,dev,home,root,work} "$dir/w"
  cp /bin/busybox "$dir/rootfs/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$dir/rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/rootfs/etc/passwd"
  printf 'root:x:0:\n' >"$dir/rootfs/etc/group"
  chown "$owner:$owner" "$dir" "$dir/w"

  t=$(now)
  expect_output "apptainer build from a folder" "" apptainer build "$dir/smoke.sif" "$dir/rootfs/"
  [[ -f $dir/smoke.sif ]] || die "smoke test failed: apptainer build wrote no $dir/smoke.sif"
  log "  build smoke.sif from a folder: ok ($(elapsed "$t"))"
  t=$(now)
  expect_output "apptainer exec" ok apptainer exec "$dir/smoke.sif" sh -c 'echo ok'
  log "  exec smoke.sif sh -c 'echo ok': ok ($(elapsed "$t"))"
  t=$(now)
  expect_output "apptainer overlay create" "" apptainer overlay create --size 64 "$dir/ov.img"
  log "  overlay create --size 64: ok ($(elapsed "$t"))"
  t=$(now)
  expect_output "exec with --overlay and --bind" hi \
    apptainer exec --overlay "$dir/ov.img" --bind "$dir/w:/work" --pwd /work "$dir/smoke.sif" sh -c 'echo hi > f; cat f'
  [[ $(cat "$dir/w/f" 2>/dev/null) == hi ]] || die "smoke test failed: the container's file did not reach $dir/w/f"
  log "  exec --overlay --bind --pwd (write + read a file): ok ($(elapsed "$t"))"
  rm -rf -- "$dir"
  trap - EXIT
  log "smoke test passed ($(elapsed "$t0"))"
}

check_version() {
  local out
  out=$(apptainer --version </dev/null 2>&1) || die "\`apptainer --version\` failed: $out"
  [[ $out == *" $APPTAINER_WANTED"* ]] || log "WARNING: expected Apptainer $APPTAINER_WANTED, found: $out"
  log "$out (via $(command -v apptainer))"
}

main() {
  local t0
  t0=$(now)
  ((EUID == 0)) || die "run as root (it installs packages, a user and /usr/local/bin/apptainer)"
  mkdir -p "$DAGON_HOME"
  # One setup at a time (parallel CI jobs on one machine).
  exec 9>"$DAGON_HOME/.setup.lock"
  flock -w 1200 9 || die "another setup-apptainer.sh has held $DAGON_HOME/.setup.lock for 20 minutes"

  # busybox-static: the smoke test's image, and the test suite's, are built from /bin/busybox.
  ensure_host_packages busybox-static

  local existing
  existing=$(command -v apptainer || true)
  if [[ -n $existing ]] && ! grep -qs "$WRAPPER_MARKER" "$existing" && "$existing" --version >/dev/null 2>&1; then
    log "using the Apptainer already installed at $existing"
    install_environment root:root
    check_version
    ((changed == 0 && ${DAGON_APPTAINER_SMOKE:-0} == 0)) || smoke_test root
    log "done in $(elapsed "$t0")"
    return
  fi

  ensure_fuse
  ensure_host_user
  ensure_root
  install_wrapper
  install_environment "$RUN_USER:$RUN_USER"
  hash -r
  [[ $(command -v apptainer || true) == "$WRAPPER" ]] ||
    log "WARNING: $(dirname "$WRAPPER") is not first on PATH here (found: $(command -v apptainer || echo nothing))"
  PATH=$(dirname "$WRAPPER"):$PATH
  check_version
  if ((changed || ${DAGON_APPTAINER_SMOKE:-0})); then
    smoke_test "$RUN_USER"
  else
    log "nothing changed; smoke test skipped (DAGON_APPTAINER_SMOKE=1 forces it)"
  fi
  log "done in $(elapsed "$t0")"
}

main "$@"
