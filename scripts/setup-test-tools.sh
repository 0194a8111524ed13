#!/usr/bin/env bash
# Tools the integration tests use beside Apptainer: a container registry the tests start on loopback (no registry
# outside this machine is reachable here), the tools that put a locally built OCI image into it, and headless Chromium
# (the HTML report is checked as a browser renders it), and htpasswd (apache2-utils) for a registry behind a login. Idempotent.
set -euo pipefail

missing=()
for package in docker-registry skopeo umoci apache2-utils busybox-static chromium; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  echo "[setup-test-tools] installing ${missing[*]}"
  apt-get update -qq
  # docker-registry's package starts a system service on :5000; the tests start their own, so keep it stopped.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
  pkill -x docker-registry 2>/dev/null || true
fi
echo "[setup-test-tools] ready: $(docker-registry --version 2>/dev/null | head -1), skopeo $(skopeo --version | awk '{print $3}'), umoci $(umoci --version | awk '{print $3}')"

# A second ordinary account: the permission tests act as another user of a shared machine would.
if ! id dagon-other >/dev/null 2>&1; then
  echo "[setup-test-tools] adding the account dagon-other (permission tests)"
  useradd --system --no-create-home --shell /usr/sbin/nologin dagon-other
fi
