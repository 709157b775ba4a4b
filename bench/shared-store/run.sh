#!/usr/bin/env bash
# Durable audit appends with 8 writers spread over two processes (4 each), PostgreSQL next to LiteDB, on this machine.
# Both stores acknowledge an append only once it is on disk: LiteDB flushes its log (one audit.db shared by the two
# processes, taking turns under the file lock); PostgreSQL commits with synchronous_commit=on and fsync=on (a throwaway
# server started here, run as the user 'postgres' when this runs as root). Each round runs both, alternating which goes first.
#   bench/shared-store/run.sh [appends-per-process=2000] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000}; ROUNDS=${2:-3}
dotnet build bench/Kse.Benchmarks -c Release -o /tmp/kse-bench-store/bin >/tmp/kse-bench-store-build.log 2>&1 || { echo "build failed: /tmp/kse-bench-store-build.log"; exit 1; }
BIN=/tmp/kse-bench-store/bin/Kse.Benchmarks.dll
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)"; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
PGD=$(mktemp -d /tmp/kse-bench-pg.XXXXXX); [ "$(id -u)" -eq 0 ] && chown postgres: "$PGD"
trap 'as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PGD"' EXIT
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$PGD/data" -A trust -U postgres >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGD -c shared_buffers=32MB -c max_connections=50 -c fsync=on -c synchronous_commit=on" start >/dev/null

run() { # provider round -> appends/s
  local ws; ws=$(mktemp -d /tmp/kse-bench-ws.XXXXXX); mkdir -p "$ws/.sce"
  if [ "$1" = postgres ]; then
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qAtX -c "CREATE DATABASE bench_$2" >/dev/null
    export KSE_Kse__Storage__Provider=postgres KSE_Kse__Storage__ConnectionString="Host=127.0.0.1;Port=$PORT;Username=postgres;Database=bench_$2"
    dotnet "$BIN" append "$ws" 1 1 warmup >/dev/null   # the schema, created once by kse itself
  else
    unset KSE_Kse__Storage__Provider KSE_Kse__Storage__ConnectionString
  fi
  local secs
  secs=$( { /usr/bin/time -f %e bash -c "dotnet '$BIN' append '$ws' $N 4 a >/dev/null & dotnet '$BIN' append '$ws' $N 4 b >/dev/null & wait" ; } 2>&1 | tail -1)
  rm -rf "$ws"
  python3 -c "print(f'{2*$N/$secs:.0f}')"
}
printf "%-6s %12s %12s %8s\n" round "litedb/s" "postgres/s" "pg÷lite"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then l=$(run litedb "$r"); p=$(run postgres "$r"); else p=$(run postgres "$r"); l=$(run litedb "$r"); fi
  printf "%-6s %12s %12s %8s\n" "$r" "$l" "$p" "$(python3 -c "print(f'{$p/$l:.2f}')")"
done
echo "(appends/s over both processes, wall time of the two processes including their start-up; $N appends per process, 4 writers each)"
