#!/usr/bin/env bash
# Run by `make test`: `scripts/test-passes.sh PYTHON` runs the two passes of the suite at the same time,
# the SQLite pass and the PostgreSQL pass (scripts/test-postgres.sh, which leaves out the sqlite_only
# and no_database tests). The suite spends most of its time waiting (servers and gunicorn workers
# starting, subprocess CLIs, the browser, PostgreSQL round trips), so two passes share two cores well.
#
# Each pass has its own pytest temporary directory and its own log; the logs are printed one after the
# other when both passes have ended. Exit status: 0 only when both passes passed.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "使い方 / usage: scripts/test-passes.sh PYTHON" >&2
  exit 2
fi
py=$1
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/faqbot-test.XXXXXX")
export OMP_NUM_THREADS=1

# job control: each pass in a process group of its own, so an interrupt stops a pass with everything it
# started (scripts/test-postgres.sh then removes its cluster)
set -m
pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait || true
}
trap 'rm -rf "$work"' EXIT
trap 'stop; exit 130' INT TERM

"$py" -m pytest -q --basetemp="$work/sqlite" >"$work/sqlite.log" 2>&1 &
pids+=($!)
scripts/test-postgres.sh "$py" -m pytest -q --basetemp="$work/postgres" -m "not sqlite_only" \
  >"$work/postgres.log" 2>&1 &
pids+=($!)
echo "テストを実行中: SQLite と PostgreSQL を同時に / running the SQLite and PostgreSQL passes at the same time" >&2

status=0
wait "${pids[0]}" || sqlite_status=$?
wait "${pids[1]}" || postgres_status=$?
sqlite_status=${sqlite_status:-0}
postgres_status=${postgres_status:-0}
pids=()

echo "===== SQLite pass (exit $sqlite_status) ====="
cat "$work/sqlite.log"
echo "===== PostgreSQL pass (exit $postgres_status) ====="
cat "$work/postgres.log"
if [ "$sqlite_status" -ne 0 ] || [ "$postgres_status" -ne 0 ]; then
  echo "テストが失敗しました / tests failed: SQLite pass exit $sqlite_status, PostgreSQL pass exit $postgres_status" >&2
  status=1
fi
exit $status
