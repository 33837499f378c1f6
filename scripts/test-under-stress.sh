#!/usr/bin/env bash
# The suite on a busy machine: `npm test` RUNS times (default 2) with Debian's `stress --cpu N`
# (default 4) spinning beside it, as a loaded CI runner or a laptop in a video call would.
# Prints each run's wall time, exit code and the load average; exits non-zero if a run failed.
set -u
RUNS="${RUNS:-2}"
CPU="${STRESS_CPU:-4}"
command -v stress >/dev/null || { echo "stress is not installed (Debian: apt-get install stress)"; exit 2; }
stress --cpu "$CPU" >/dev/null 2>&1 &
STRESS=$!
trap 'kill "$STRESS" 2>/dev/null; wait "$STRESS" 2>/dev/null' EXIT
failed=0
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s)
  echo "==> npm test, run $i of $RUNS, beside stress --cpu $CPU (load $(cut -d' ' -f1-3 /proc/loadavg))"
  npm test -- --reporter=dot "$@"
  rc=$?
  echo "<== run $i: exit $rc in $(( $(date +%s) - start )) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
  [ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
