#!/usr/bin/env bash
# Run by `make test` for the PostgreSQL pass: `scripts/test-postgres.sh COMMAND...` starts a throwaway
# PostgreSQL cluster (Debian's postgresql, installed by scripts/test-prerequisites.sh) in a temporary
# directory on a free loopback port, runs COMMAND with FAQBOT_TEST_DATABASE_URL pointing at it, and
# stops and removes the cluster afterwards, whatever happens. Exit status: COMMAND's.
#
# FAQBOT_TEST_PG_BINDIR points at another PostgreSQL's bin directory.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "使い方 / usage: scripts/test-postgres.sh COMMAND [ARGS...]" >&2
  exit 2
fi
initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
bindir=${FAQBOT_TEST_PG_BINDIR:-$(dirname "${initdb:-/nonexistent/initdb}")}
if [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "PostgreSQL がありません。scripts/test-prerequisites.sh で入れてください / no PostgreSQL server binaries (apt-get install postgresql)" >&2
  exit 1
fi

# The server refuses to run as root: then the cluster belongs to the user postgres (Debian's package
# creates it), in a directory that user can reach.
as=()
base=${TMPDIR:-/tmp}
if [ "$(id -u)" = 0 ]; then
  as=(runuser -u postgres --)
  runuser -u postgres -- test -w "$base" -a -x "$base" || base=/tmp
fi
work=$(mktemp -d "$base/faqbot-pg.XXXXXX")
[ ${#as[@]} -eq 0 ] || chown postgres "$work"
cleanup() {
  "${as[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
# a test cluster: durability off (fsync), enough connections for gunicorn workers x threads per test
if ! "${as[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null; then
  cat "$work/server.log" >&2
  exit 1
fi
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port in $work (throwaway cluster)" >&2
FAQBOT_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres" "$@"
