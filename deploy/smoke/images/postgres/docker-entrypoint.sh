#!/bin/bash
# The part of the official postgres image's interface docker-compose.yml uses: POSTGRES_USER,
# POSTGRES_PASSWORD, and /docker-entrypoint-initdb.d/*.sh|*.sql run once on an empty data folder.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec runuser -u postgres -- bash "$0" "$@"
fi
export POSTGRES_USER=${POSTGRES_USER:-postgres}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth=scram-sha-256 -D "$PGDATA" >/dev/null
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  export PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD PGHOST=/var/run/postgresql
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
      *.sh) bash "$file" ;;
      *.sql) psql -v ON_ERROR_STOP=1 --dbname postgres -f "$file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
shift
exec postgres -c listen_addresses='*' "$@"
