#!/usr/bin/env bash
# Runs `dotnet test` on each test project, echoes its output, and ends with one line: "N passed, N failed"
# (totals over all test projects). Exit code is non-zero when any project failed or did not run.
# Usage: test-summary.sh CONFIG [FILTER]
set -uo pipefail
config=${1:-Release}
filter=${2:-}
passed=0; failed=0; status=0
log=$(mktemp)
failures=() # names of failed tests, repeated just above the totals (CI shows only the end of a long log)
for proj in tests/*.Tests/*.csproj; do
  args=(test "$proj" -c "$config" --no-build --nologo)
  [ -n "$filter" ] && args+=(--filter "$filter")
  dotnet "${args[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '(Passed|Failed)!\s+- Failed:' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    f=$(sed -E 's/.*Failed:\s+([0-9]+),.*/\1/' <<<"$line")
    p=$(sed -E 's/.*Passed:\s+([0-9]+),.*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f))
  elif ! grep -q "No test matches the given testcase filter" "$log"; then
    echo "test-summary: no result line from $proj" >&2
    status=1
  fi
  while IFS= read -r name; do failures+=("$name"); done < <(sed -nE 's/^\s+Failed (\S+) \[.*/\1/p' "$log")
  [ "$rc" -ne 0 ] && status=1
done
for name in "${failures[@]}"; do echo "failed: $name"; done
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" -gt 0 ] && status=1
exit $status
