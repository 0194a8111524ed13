# Shell helpers for the provisioning scripts that install packages, folders and files on this machine
# (setup-apptainer.sh, setup-slurm.sh). Source it after scripts/lib/roots.sh (for log, die, run_logged).
# ensure_dir and ensure_file set changed=1 when they change something.
changed=${changed:-0}
apt_updated=${apt_updated:-0}

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { LC_ALL=C awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

# apt-get install of the packages that are not installed yet (apt-get update once, only when something is missing).
ensure_host_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local t0
  t0=$(now)
  log "installing host packages: ${missing[*]}"
  if ((!apt_updated)); then
    run_logged "apt-get update failed (is the Debian mirror reachable?)" apt-get update
    apt_updated=1
  fi
  run_logged "could not install ${missing[*]} on the host" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  log "host packages installed ($(elapsed "$t0"))"
}

# Folder with owner (user:group) and mode, touched only when different (a rerun changes nothing).
ensure_dir() {
  local dir=$1 owner=$2 mode=$3
  if [[ ! -d $dir || $(stat -c '%U:%G %a' "$dir") != "$owner $mode" ]]; then
    install -d -o "${owner%%:*}" -g "${owner#*:}" -m "$mode" "$dir"
    log "folder $dir ($owner, $mode)"
    changed=1
  fi
}

# Installs CONTENT (stdin) at PATH with MODE only when it differs.
ensure_file() {
  local path=$1 mode=$2 tmp new
  tmp=$(mktemp)
  cat >"$tmp"
  if cmp -s "$tmp" "$path" && [[ $(stat -c %a "$path") == "$mode" ]]; then
    rm -f "$tmp"
    return
  fi
  # Renamed into place, never rewritten: scripts installed this way may be running right now.
  mkdir -p "$(dirname "$path")"
  new=$(mktemp "$path.XXXXXX")
  cat "$tmp" >"$new"
  rm -f "$tmp"
  chmod "$mode" "$new"
  mv -f "$new" "$path"
  log "installed $path"
  changed=1
}

# Waits (bounded, polling every 0.2 s) until COMMAND succeeds: wait_for SECONDS COMMAND...; 1 when it never does.
wait_for() {
  local seconds=$1 deadline
  shift
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
