#!/usr/bin/env bash
# Runs the 4-task dataflow demo in real Apptainer containers, installing Apptainer first when it is missing.
# The demo image is built once from samples/DataflowDemo/dataflow.def (about a minute) and reused afterwards.
# Extra arguments go to the demo, e.g. `scripts/demo.sh --image docker://ubuntu:20.04 --remove false`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v apptainer >/dev/null 2>&1 || ! apptainer --version >/dev/null 2>&1; then
  bash scripts/setup-apptainer.sh
fi

dotnet build samples/DataflowDemo -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet samples/DataflowDemo/bin/Release/net10.0/DataflowDemo.dll "$@"
