#!/bin/bash
# check.sh: what `make check` runs once the build is done: the proofs, the tree's layout
# (tests/layout.py), unit tests, protocol cases, the integration suite, the differential test (the
# classifier against what MariaDB says it ran: tests/differential) and the quick benchmark (it
# checks that every route of the harness completes its queries, not the timings). A failing part
# does not stop the others; the last line is the sum of every part's "N passed, N failed" line, and
# the exit status is non-zero if anything failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

total_passed=0
total_failed=0
LOG=$(mktemp /tmp/jg-check.XXXXXX)
trap 'rm -f "$LOG"' EXIT

# run_part NAME SECONDS MAKE-TARGET: runs it with its output shown as it comes, then adds its
# last "X passed, Y failed" line to the totals. A part that crashed before printing that line, or
# that exited non-zero while claiming no failure, counts as one failure: never as a pass.
run_part() {
	local name=$1 secs=$2 target=$3 rc=0 line p f
	echo "== $name"
	timeout --kill-after=30 "$secs" make --no-print-directory "$target" </dev/null 2>&1 |
		tee "$LOG" || rc=${PIPESTATUS[0]}
	line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1 || true)
	if [[ -z "$line" ]]; then
		echo "check: $name printed no result line (exit $rc); counted as 1 failure"
		total_failed=$((total_failed + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	if (( rc != 0 && f == 0 )); then
		echo "check: $name exited with $rc after reporting no failure; counted as 1 failure"
		f=1
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
}

# Budgets add up to well under CI's limit; the integration suite also bounds itself.
run_part verify 1200 verify
run_part layout 120 layout
run_part unit 300 unit
run_part proto 300 proto
run_part policy-test 120 policy-test
run_part fuzz-replay 120 fuzz-replay
run_part integration 900 integration
run_part differential 300 differential
run_part bench-quick 300 bench-quick

echo "$total_passed passed, $total_failed failed"
(( total_failed == 0 ))
