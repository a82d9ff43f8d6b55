#!/usr/bin/env bash
# A PostgreSQL server for benchmarks, configured as one would for production on this machine
# (24 GiB RAM): the system server here keeps 128 MB of shared_buffers and runs without
# autovacuum. Uses the server binaries of the Debian postgresql package; data in
# $BENCH_PG_DIR (default /tmp/kizuna-bench-pg), port $BENCH_PG_PORT (default 5499).
#
#   bash bench/tuned-postgres.sh start
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5499/postgres BENCH_SECTION=scale-tuned npm run bench:scale
#   bash bench/tuned-postgres.sh stop
set -euo pipefail
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
DIR="${BENCH_PG_DIR:-/tmp/kizuna-bench-pg}"
PORT="${BENCH_PG_PORT:-5499}"
# initdb and postgres refuse to run as root.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust > /dev/null
      cat >> "$DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
shared_buffers = 6GB
effective_cache_size = 16GB
max_wal_size = 16GB
checkpoint_timeout = 15min
wal_compression = on
autovacuum = on
CONF
    fi
    as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w start > /dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop > /dev/null
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
