#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (Debian's postgresql package, version 15).
#
#   pg-server.sh start [--owner PID]   initdb into a fresh temp directory, start the server on a free
#                                      port of 127.0.0.1 and a Unix socket in that directory; prints
#                                      the directory (the handle for `stop`) on stdout and writes the
#                                      server's URI into DIR/uri. With --owner, a detached watchdog
#                                      stops the server once process PID is gone (a test process that
#                                      crashes leaves nothing behind).
#   pg-server.sh stop DIR              stops it (`pg_ctl -m immediate`) and removes DIR.
#
# Run as root, the server runs as the unprivileged `postgres` user (DIR is owned by it); run as
# another user, it runs as that user. Nothing of the packaged cluster is used or started. A start
# that fails removes everything it made and exits non-zero with one line on stderr.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

bindir=""
for v in 17 16 15 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
        bindir="/usr/lib/postgresql/$v/bin"
        break
    fi
done

fail() {
    echo "pg-server.sh: $*" >&2
    exit 1
}

# Runs a PostgreSQL binary as the server's user.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A port nobody listens on (the server may still lose a race for it: start retries).
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

start() {
    local owner=""
    if [ "${1:-}" = "--owner" ]; then
        owner="${2:?--owner needs a process id}"
    fi
    [ -n "$bindir" ] || fail "no PostgreSQL server binaries in /usr/lib/postgresql (apt-get install postgresql)"
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        fail "no 'postgres' user to run the server as (apt-get install postgresql creates it)"
    fi
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/dmfsweep-pg.XXXXXX")"
    # Whatever goes wrong from here on, leave nothing behind.
    trap 'as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' ERR
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || {
            echo "pg-server.sh: initdb failed: $(tail -n 1 "$dir/initdb.log")" >&2
            false
        }
    local port="" started=0
    for _ in 1 2 3 4 5; do
        port="$(free_port)"
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null 2>&1; then
            started=1
            break
        fi
    done
    if [ "$started" -ne 1 ]; then
        echo "pg-server.sh: the server did not start: $(tail -n 1 "$dir/log" 2>/dev/null)" >&2
        false
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/uri"
    echo "$port" >"$dir/port"
    trap - ERR
    if [ -n "$owner" ]; then
        # The watchdog: detached from our stdout (so `$(pg-server.sh start)` returns at once).
        # shellcheck disable=SC2016 # $1…$3 expand in the watchdog's shell, from its arguments
        setsid bash -c '
            while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
            [ -d "$2" ] && bash "$3" stop "$2"' watchdog "$owner" "$dir" "$self" </dev/null >/dev/null 2>&1 &
    fi
    echo "$dir"
}

stop() {
    local dir="${1:?usage: pg-server.sh stop DIR}"
    [ -d "$dir" ] || return 0
    case "$(basename "$dir")" in
        dmfsweep-pg.*) ;;
        *) fail "'$dir' is not a directory made by pg-server.sh start" ;;
    esac
    if [ -n "$bindir" ] && [ -d "$dir/data" ]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start)
        shift
        start "$@"
        ;;
    stop)
        shift
        stop "$@"
        ;;
    *)
        echo "usage: pg-server.sh start [--owner PID] | stop DIR" >&2
        exit 2
        ;;
esac
