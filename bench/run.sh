#!/usr/bin/env bash
# Runs the benchmark: W1, W1 with DagOnStar's semantics, W2, W3 beside their floors, Snakemake where installed
# (pass --with-snakemake to apt-get install it), and P1 (engine only). Extra arguments go to the harness
# (--runs N, --smoke). Timings are noisy on shared machines: read the ratios, which are measured in one run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

args=()
for arg in "$@"; do
  if [[ $arg == --with-snakemake ]]; then
    command -v snakemake >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq snakemake >/dev/null; }
  else
    args+=("$arg")
  fi
done

if ! command -v apptainer >/dev/null 2>&1 || ! apptainer --version >/dev/null 2>&1; then
  bash scripts/setup-apptainer.sh
fi

dotnet build bench/Dagon.Bench -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet bench/Dagon.Bench/bin/Release/net10.0/Dagon.Bench.dll "${args[@]}"
