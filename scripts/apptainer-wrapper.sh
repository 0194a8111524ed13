#!/bin/bash
# Dagon.Dsl: `apptainer` on the host PATH (dagon-apptainer-wrapper).
# container-user: dagon
#
# Installed as /usr/local/bin/apptainer by scripts/setup-apptainer.sh. Debian 12 has no Apptainer package, so a
# real Apptainer lives in a Debian sid root filesystem (@SID_ROOT@). This wrapper turns `apptainer ARGS...` into
# that Apptainer, run as user dagon, with ARGS, stdin/stdout/stderr, the exit code, the working directory and the
# environment kept. It only decides which host folders the call needs; apptainer-enter does the mounting.
#
# Every step is `exec`: wrapper -> unshare -> apptainer-enter -> unshare, so the PID the caller started ends as the
# process that owns the call: killing it (any signal) stops Apptainer and everything it started, and SIGTERM/SIGINT
# reach Apptainer for a graceful stop (see the end of apptainer-enter). This runs on every task's critical path,
# so it forks nothing in the common case (bash builtins only).
set -f # arguments are inspected, never globbed

readonly root='@SID_ROOT@'
readonly enter=/usr/local/lib/dagon/apptainer-enter

die() {
  printf 'apptainer (Dagon.Dsl wrapper): %s\n' "$*" >&2
  exit 255 # what Apptainer itself returns for its own errors
}

# Inside the sid root /usr/local/bin is not bound, but if someone binds it in, never call ourselves again.
[[ -e /.dagon-sid-root ]] && die "refusing to run inside the Apptainer root $root (the wrapper would call itself)"
# Entering the root needs a mount namespace and pivot_root, i.e. root; Apptainer then runs as user dagon.
((EUID == 0)) || die "must be run as root (uid 0), not uid $EUID: it enters $root and runs Apptainer as user dagon"
[[ -x $root/usr/bin/apptainer && -x $enter ]] ||
  die "Apptainer root $root is not set up; run scripts/setup-apptainer.sh"

# CI shells do not source /etc/profile.d, so default these here too (same values as dagon-apptainer.sh there).
export APPTAINER_CACHEDIR=${APPTAINER_CACHEDIR:-/var/cache/dagon/apptainer}
export APPTAINER_TMPDIR=${APPTAINER_TMPDIR:-/var/tmp/dagon-apptainer}

# Host folders bound into the root at the same path. Inside the root nothing else of the host exists, so every path
# Apptainer reads or writes (images, .def files, overlays, bind sources, the cwd, the cache) must be under one.
binds=()

is_covered() { # PATH: is it at or below a folder already bound?
  local b
  for b in "${binds[@]}"; do
    [[ $1 == "$b" || $1 == "$b"/* ]] && return 0
  done
  return 1
}

normalize() { # PATH: resolve `.`, `..` and `//` lexically (no symlinks) into $REPLY, without forking
  local part out=() IFS=/
  for part in $1; do
    case $part in
      '' | .) ;;
      ..) ((${#out[@]})) && unset 'out[-1]' ;;
      *) out+=("$part") ;;
    esac
  done
  REPLY="/${out[*]}"
}

# The root's own system folders are never covered by host folders: binding over them would replace the sid root's
# programs and state (/var as a whole holds dpkg's and Apptainer's state; /var/tmp and /var/cache/dagon are bound).
is_system_top() {
  case $1 in
    / | /proc | /sys | /dev | /etc | /usr | /bin | /sbin | /lib | /lib32 | /lib64 | /libx32 | /var | /run | /boot | /.oldroot) return 0 ;;
  esac
  return 1
}

bind_for() { # ABSOLUTE-PATH: bind what makes it visible: its top-level folder (or, under /var, /var/X/Y)
  local p=$1 rest top
  [[ $p == *//* || $p == */. || $p == */./* || $p == */.. || $p == */../* ]] && { normalize "$p"; p=$REPLY; }
  is_covered "$p" && return
  rest=${p#/}
  top=/${rest%%/*}
  if [[ $top == /var ]]; then
    # /var/lib/foo/x.sif -> bind /var/lib/foo, unless that is where the root keeps its package or Apptainer state.
    rest=${rest#var/}
    [[ $rest == */* ]] || return
    top=/var/${rest%%/*}
    rest=${rest#*/}
    top=$top/${rest%%/*}
    case $top in
      /var/lib/apt | /var/lib/dpkg | /var/lib/apptainer | /var/lib/ucf | /var/lib/misc | /var/lib/pam | /var/lib/systemd | \
        /var/cache/apt | /var/cache/debconf | /var/cache/ldconfig | /var/run/* | /var/lock/*) return ;;
    esac
  elif is_system_top "$top"; then
    return
  fi
  [[ -d $top ]] && ! is_covered "$top" && binds+=("$top")
}

# Folders workflows use, when the host has them.
for d in /tmp /var/tmp /home /work /srv /mnt /media /opt /scratch /data /var/cache/dagon; do
  [[ -d $d ]] && binds+=("$d")
done
# The working directory, so relative paths and Apptainer's own cwd handling work. `cd -P .` makes $PWD physical.
cd -P . 2>/dev/null && bind_for "$PWD"

# Every absolute path in the arguments, also inside `--bind /a:/b:ro,/c`, `--overlay /p/ov.img:ro`, `--opt=/x`,
# `--mount type=bind,src=/a,dst=/b`. Binding a folder that turns out to be a container-side path is harmless.
IFS_saved=$IFS
IFS=':,'
for arg in "$@" "${APPTAINER_BIND-}" "${APPTAINER_BINDPATH-}" "$APPTAINER_CACHEDIR" "$APPTAINER_TMPDIR" "${TMPDIR-}"; do
  [[ $arg == */* ]] || continue
  for piece in $arg; do
    [[ $piece != /* && $piece == *=/* ]] && piece=${piece#*=}
    [[ $piece == /* ]] && bind_for "$piece"
  done
done
IFS=$IFS_saved

# Extra host folders, bound as they are (not their top-level folder): DAGON_APPTAINER_EXTRA_BINDS=/a/b:/c
if [[ -n ${DAGON_APPTAINER_EXTRA_BINDS-} ]]; then
  IFS=: read -r -a extra <<<"$DAGON_APPTAINER_EXTRA_BINDS"
  for d in "${extra[@]}"; do
    [[ $d == /* ]] || continue
    normalize "$d"
    d=$REPLY
    is_system_top "$d" && die "DAGON_APPTAINER_EXTRA_BINDS: refusing to bind $d over the root's own $d"
    [[ -d $d ]] || die "DAGON_APPTAINER_EXTRA_BINDS: $d is not a directory"
    is_covered "$d" || binds+=("$d")
  done
fi

# No --fork: unshare execs apptainer-enter in the new mount namespace with this very PID.
exec /usr/bin/unshare --mount --propagation private -- "$enter" "$root" "$PWD" "${#binds[@]}" "${binds[@]}" "$@"
