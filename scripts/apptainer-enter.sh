#!/bin/bash
# Dagon.Dsl: enters the Apptainer root and execs the real Apptainer as user dagon.
#
# Installed as /usr/local/lib/dagon/apptainer-enter by scripts/setup-apptainer.sh; only the `apptainer` wrapper
# calls it, already inside a new private mount namespace (nothing mounted here is seen by the host).
#   apptainer-enter ROOT CWD N BIND_1 ... BIND_N APPTAINER_ARGS...
set -f
# Host tools are called by absolute path: the caller's PATH is passed on untouched and may be anything.

die() {
  printf 'apptainer (Dagon.Dsl wrapper): %s\n' "$*" >&2
  exit 255
}

root=$1 cwd=$2 n=$3
shift 3
binds=("${@:1:n}")
shift "$n"

# Apptainer without setuid mounts SIF images and overlays with FUSE (squashfuse, fuse2fs, fuse-overlayfs) as the
# unprivileged user, so that user must be able to open /dev/fuse. Its mode is reset to 0600 when devtmpfs is
# recreated (reboot), so check it on every call: one stat, and a chmod only when needed.
[[ $(/usr/bin/stat -c %a /dev/fuse 2>/dev/null) == 666 ]] || /usr/bin/chmod 666 /dev/fuse ||
  die "/dev/fuse is missing or cannot be made usable (chmod 666): Apptainer needs FUSE"

# All mounts in one `mount -a` over a small fstab: one fork instead of one per mount (this saves ~25 ms a call).
# In order: host folders at the same path inside the root (rbind keeps mounts below them, e.g. a tmpfs under
# /tmp); the root onto itself, since pivot_root needs a mount point (rbind carries the binds along); /proc /sys
# /dev; and the host's name resolution files (the root's copies date from when it was built), so that
# `Bootstrap: debootstrap` and docker:// sources reach their mirror or registry by name.
fstab_line() { # SOURCE TARGET OPTIONS, with fstab's octal escapes for blanks and backslashes
  local src=${1//\\/\\134} dst=${2//\\/\\134}
  src=${src// /\\040} dst=${dst// /\\040}
  src=${src//$'\t'/\\011} dst=${dst//$'\t'/\\011}
  fstab+="$src $dst none $3 0 0"$'\n'
}
fstab=
for b in "${binds[@]}"; do
  [[ $b == *$'\n'* ]] && die "cannot bind a folder whose name has a newline: $b"
  [[ -d $root$b ]] || /usr/bin/mkdir -p -- "$root$b" || die "cannot create mount point $root$b"
  fstab_line "$b" "$root$b" rbind
done
fstab_line "$root" "$root" rbind
for d in /proc /sys /dev; do fstab_line "$d" "$root$d" rbind; done
for f in /etc/resolv.conf /etc/hosts; do [[ -f $f ]] && fstab_line "$f" "$root$f" bind; done
# libmount reads only regular files (not a pipe), hence a file; the PID makes it private to this call.
fstab_file=$root/run/dagon-apptainer.$$.fstab
printf '%s' "$fstab" >"$fstab_file" || die "cannot write $fstab_file"
if ! /usr/bin/mount --all --fstab "$fstab_file"; then
  /usr/bin/rm -f "$fstab_file"
  die "cannot mount the host folders into $root (fstab: ${fstab//$'\n'/; })"
fi
/usr/bin/rm -f "$fstab_file"

# Why pivot_root and not chroot: Apptainer refuses to start in a chroot ("Running inside a weak chrooted
# environment"). After pivot_root and detaching the old root, the sid root is this namespace's real `/`.
if ! cd "$root" || ! /usr/sbin/pivot_root . .oldroot; then die "pivot_root into $root failed"; fi
cd /
/usr/bin/umount -l /.oldroot || die "cannot detach the host root"

cd -- "$cwd" 2>/dev/null || cd / # checked, with a warning, as dagon below

# Why an ordinary user: run as root, Apptainer fails on these machines (the capability bounding set lacks
# CAP_SYS_RESOURCE, which root-mode Apptainer requests). As an ordinary user it runs in its normal unprivileged
# mode (user namespaces + FUSE), and --fakeroot builds use dagon's /etc/subuid and /etc/subgid ranges.
# HOME must be writable by dagon: Apptainer keeps ~/.apptainer there and binds it into containers.
export HOME=/home/dagon USER=dagon LOGNAME=dagon
# Apptainer looks up its helpers (squashfuse, fuse2fs, mksquashfs, debootstrap...) on PATH.
case ":${PATH-}:" in
  *:/usr/bin:*) ;;
  *) PATH=${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ;;
esac
export PATH
# As dagon, enter the caller's working directory, or / with a warning if dagon may not (e.g. under /root, 0700):
# Apptainer would stop with "Failed to open current working directory". sh then execs Apptainer (same PID).
as_dagon=(/usr/bin/setpriv --reuid=2950 --regid=2950 --init-groups --)
# shellcheck disable=SC2016 # expanded by that sh
in_cwd=(/bin/sh -c 'cd "$0" 2>/dev/null || {
  echo "apptainer (Dagon.Dsl wrapper): warning: user dagon cannot enter the working directory $0; running from /" >&2
  cd /
}
exec "$@"' "$cwd" /usr/bin/apptainer)

# Instances must outlive the call that starts them and be found by later calls through their PID, so
# `apptainer instance ...` and calls on instance://NAME run without the PID namespace below. The subcommand is the
# first argument that is not a global option (only -c/--config takes a value).
sub=
for ((i = 1; i <= $#; i++)); do
  case ${!i} in
    -c | --config) ((i++)) ;;
    -*) ;;
    *) sub=${!i} && break ;;
  esac
done
if [[ $sub == instance || " $* " == *" instance://"* ]]; then
  exec "${as_dagon[@]}" "${in_cwd[@]}" "$@"
fi

# Why a PID namespace, with one process between the caller and Apptainer: unprivileged Apptainer starts FUSE
# helpers (squashfuse_ll, fuse2fs, fuse-overlayfs) that outlive an Apptainer killed with SIGKILL, holding the image
# open forever. Here tini is PID 1 of a new PID namespace, with SIGKILL as its parent-death signal: whatever kills
# the caller's process (this unshare), tini dies and the kernel kills everything left in the namespace. SIGTERM and
# SIGINT sent to the caller's process are forwarded (unshare -> tini -> Apptainer) for a graceful stop. The exit
# code is Apptainer's, 128+N if it died of signal N. --mount-proc gives the namespace its own /proc.
exec /usr/bin/unshare --pid --fork --forward-signals --mount-proc -- \
  "${as_dagon[@]}" /usr/bin/tini -p SIGKILL -- "${in_cwd[@]}" "$@"
