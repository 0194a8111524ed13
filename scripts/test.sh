#!/usr/bin/env bash
# The whole test suite against the real parts: provisions Apptainer (and every other real part the tests use),
# then runs every test project of the solution. Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-apptainer.sh
bash scripts/setup-slurm.sh
bash scripts/setup-test-tools.sh
if [[ -x scripts/remote-node.sh ]]; then
  bash scripts/remote-node.sh prepare
fi

log=$(mktemp /tmp/dagon-tests.XXXXXX.log)
status=0
dotnet test Dagon.Dsl.sln -nologo 2>&1 | tee "$log" || status=$?

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, ..." line per test project.
read -r passed failed < <(grep -E '^(Passed|Failed)!' "$log" |
  sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\2 \1/' |
  awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
echo "${passed} passed, ${failed} failed"
if [[ $status -eq 0 && $passed -eq 0 ]]; then
  echo "no test ran" >&2
  status=1
fi
exit "$status"
