#!/usr/bin/env bash
# A throw-away local PostgreSQL server for `make test-postgres`: Debian's package (installed when
# absent), a cluster under target/postgres/, listening on 127.0.0.1 only (no Unix socket), a role and
# a database for the project, and a random password kept in target/postgres/password (mode 600).
#
#   scripts/local_postgres.sh start    install if needed, initdb if needed, start if not running
#   scripts/local_postgres.sh stop     stop the server (the data directory stays)
#   scripts/local_postgres.sh status
#
# Environment: DBT_POSTGRES_PORT (default 55432), DBT_POSTGRES_USER / DBT_POSTGRES_DBNAME
# (default token_ledger), TOKEN_LEDGER_PG_DIR (default <project>/target/postgres).
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "$0")/.." && pwd)"
PG_DIR="${TOKEN_LEDGER_PG_DIR:-$PROJECT_DIR/target/postgres}"
DATA_DIR="$PG_DIR/data"
PASSWORD_FILE="$PG_DIR/password"
LOG_FILE="$PG_DIR/server.log"
PORT="${DBT_POSTGRES_PORT:-55432}"
ROLE="${DBT_POSTGRES_USER:-token_ledger}"
DBNAME="${DBT_POSTGRES_DBNAME:-token_ledger}"

say() { echo "local_postgres: $*" >&2; }

# As root the server runs as the package's postgres user, which must reach the data directory: when the
# project sits below a directory it cannot enter (a clone under /root), the cluster goes to /tmp instead
# (the password file stays in target/postgres).
SERVER_DIR="$PG_DIR"
resolve_dirs() {
    mkdir -p "$PG_DIR"
    if [[ "$(id -u)" == "0" ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$PG_DIR"; then
        SERVER_DIR="/tmp/token_ledger-postgres-$(printf '%s' "$PG_DIR" | md5sum | cut -c1-12)"
        mkdir -p "$SERVER_DIR"
        chown postgres:postgres "$SERVER_DIR"
        chmod 700 "$SERVER_DIR"
    fi
    DATA_DIR="$SERVER_DIR/data"
    LOG_FILE="$SERVER_DIR/server.log"
}

pg_bindir() {
    local candidate
    candidate="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$candidate" && -x "$candidate/pg_ctl" ]]; then
        echo "$candidate"
    elif command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
    fi
}

install_server() {
    if [[ -n "$(pg_bindir)" ]]; then
        return
    fi
    say "no PostgreSQL server binaries: installing Debian's postgresql package"
    local sudo=""
    if [[ "$(id -u)" != "0" ]]; then
        command -v sudo >/dev/null 2>&1 || { say "not root and no sudo: install the postgresql package"; exit 1; }
        sudo="sudo"
    fi
    $sudo apt-get update -qq
    # policy-rc.d in containers keeps the package's own cluster from starting; ours runs from target/.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    [[ -n "$(pg_bindir)" ]] || { say "the postgresql package installed no pg_ctl"; exit 1; }
}

# initdb and the server refuse to run as root: as root, run them as the package's postgres user.
as_owner() {
    if [[ "$(id -u)" == "0" ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The server's own client, over TCP as the superuser (trust for the cluster owner on 127.0.0.1 only
# is never configured: the owner authenticates with the same password file).
psql_admin() {
    PGPASSWORD="$(cat "$PASSWORD_FILE")" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"
}

init_cluster() {
    mkdir -p "$PG_DIR"
    if [[ -f "$DATA_DIR/PG_VERSION" ]]; then
        if [[ -s "$PASSWORD_FILE" ]]; then
            return
        fi
        # a cluster kept in /tmp while target/ (and its password file) was cleaned: start anew
        say "no password file for the cluster in $DATA_DIR: initializing it anew"
        if is_running; then
            as_owner "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null
        fi
    fi
    say "initializing a cluster in $DATA_DIR"
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
    if [[ ! -s "$PASSWORD_FILE" ]]; then
        (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PASSWORD_FILE")
    fi
    chmod 600 "$PASSWORD_FILE"
    local pwfile="$SERVER_DIR/.initdb-pw"
    (umask 077 && cp "$PASSWORD_FILE" "$pwfile")
    if [[ "$(id -u)" == "0" ]]; then
        chown -R postgres:postgres "$DATA_DIR" "$pwfile"
        # the postgres user reaches the data directory (and the password file for initdb) through it
        chmod o+x "$SERVER_DIR"
    fi
    as_owner "$BIN/initdb" -D "$DATA_DIR" -U postgres --pwfile="$pwfile" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null \
        || as_owner "$BIN/initdb" -D "$DATA_DIR" -U postgres --pwfile="$pwfile" \
            --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C >/dev/null
    rm -f "$pwfile"
    cat >>"$DATA_DIR/postgresql.conf" <<EOF

# token_ledger test server: loopback only, no Unix socket, UTC
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
timezone = 'UTC'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
work_mem = 64MB
max_connections = 40
EOF
}

is_running() {
    [[ -f "$DATA_DIR/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

start_server() {
    install_server
    BIN="$(pg_bindir)"
    resolve_dirs
    init_cluster
    if ! is_running; then
        say "starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
        touch "$LOG_FILE"
        [[ "$(id -u)" == "0" ]] && chown postgres:postgres "$LOG_FILE"
        as_owner "$BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 start >/dev/null
    fi
    # the project's role and database (idempotent)
    local password
    password="$(cat "$PASSWORD_FILE")"
    psql_admin -v role="$ROLE" -v password="$password" <<'SQL'
select format('create role %I login password %L', :'role', :'password')
where not exists (select from pg_roles where rolname = :'role') \gexec
select format('alter role %I password %L', :'role', :'password') \gexec
SQL
    # the project's database, one for the parity tests' fixture builds (real-input fixtures), and two for the
    # incremental test (a warehouse kept up to date day by day, and a full refresh of the same landing)
    for database in "$DBNAME" "${DBNAME}_fixtures" "${DBNAME}_incremental" "${DBNAME}_full"; do
        psql_admin -v role="$ROLE" -v dbname="$database" <<'SQL'
select format('create database %I owner %I', :'dbname', :'role')
where not exists (select from pg_database where datname = :'dbname') \gexec
SQL
    done
    say "ready: postgresql://$ROLE@127.0.0.1:$PORT/$DBNAME (password in $PASSWORD_FILE)"
}

stop_server() {
    BIN="$(pg_bindir)"
    resolve_dirs
    if [[ -n "$BIN" ]] && is_running; then
        as_owner "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null
        say "stopped"
    fi
}

case "${1:-start}" in
    start) start_server ;;
    stop) stop_server ;;
    status)
        BIN="$(pg_bindir)"
        resolve_dirs
        if [[ -n "$BIN" ]] && is_running; then echo "running on 127.0.0.1:$PORT"; else echo "not running"; exit 3; fi
        ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
