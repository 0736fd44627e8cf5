#!/usr/bin/env bash
# postgres.sh: a throw-away PostgreSQL cluster for tests and development.
#
#   tools/postgres.sh start DIR   create (if needed) and start a cluster in DIR,
#                                 print its DSN
#   tools/postgres.sh stop DIR    stop it (the data stays in DIR/data)
#   tools/postgres.sh dsn DIR     print the DSN of the running cluster in DIR
#
# The DSN, postgres://postgres@127.0.0.1:PORT/warehouse?sslmode=disable, is
# the only line on stdout; everything else goes to stderr or DIR/log.
#
# THE CLUSTER IS FOR TESTS ONLY: it trusts every local connection (no
# password), listens on 127.0.0.1 and a unix socket in DIR/socket only, and
# runs with fsync=off and synchronous_commit=off, so a power cut or a crash
# of the machine can lose or corrupt its data. Never put data you want to
# keep in it. PG_DURABLE=1 keeps durability on (for benchmarks).
#
# PostgreSQL refuses to run as root: run as root, the script runs initdb
# and pg_ctl as the postgres system user and gives it DIR. The binaries are
# those of /usr/lib/postgresql/15 (or of the highest version installed;
# PG_BINDIR overrides). `start` on a running cluster just prints its DSN;
# concurrent calls on one DIR are serialised with flock.
set -euo pipefail

die() {
	echo "postgres.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 start|stop|dsn DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
cmd="$1"
dir="$2"
case "$cmd" in start | stop | dsn) ;; *) usage ;; esac

# The PostgreSQL binaries: 15 if present, else the highest version.
bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ]; then
	if [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
		bindir=/usr/lib/postgresql/15/bin
	else
		best=""
		for d in /usr/lib/postgresql/*/bin; do
			[ -x "$d/pg_ctl" ] || continue
			v="$(basename "$(dirname "$d")")"
			if [ -z "$best" ] || [ "${v%%.*}" -gt "${best%%.*}" ]; then
				best="$v"
			fi
		done
		[ -n "$best" ] && bindir="/usr/lib/postgresql/$best/bin"
	fi
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ] || [ ! -x "$bindir/initdb" ]; then
	die "no PostgreSQL server binaries (initdb, pg_ctl) in ${bindir:-/usr/lib/postgresql/*/bin}; install them with: apt-get install postgresql (or point PG_BINDIR at them)"
fi

# As root, PostgreSQL's programs run as the postgres system user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "running as root needs the postgres system user (apt-get install postgresql creates it)"
	as_pg=(runuser -u postgres --)
fi
# fd 9 holds the lock: the server must not inherit it.
pg() { "${as_pg[@]}" "$@" 9>&-; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"
sock="$dir/socket"
conf="$data/testcluster.conf"

# A unix socket path is limited to 107 bytes.
[ ${#sock} -le 90 ] || die "DIR is too long for a unix socket path ($sock); use a shorter one"

if [ ${#as_pg[@]} -gt 0 ]; then
	chown postgres: "$dir"
	pg test -w "$dir" -a -x "$dir" || die "the postgres user cannot write $dir (is a parent directory closed to it?)"
fi

exec 9>>"$dir/.lock"
flock 9

running() { [ -f "$data/PG_VERSION" ] && pg "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; }

port_of() {
	sed -n 's/^port = \([0-9]*\).*/\1/p' "$conf" 2>/dev/null | tail -n1
}

print_dsn() {
	local port
	port="$(port_of)"
	[ -n "$port" ] || die "no port recorded in $conf"
	echo "postgres://postgres@127.0.0.1:$port/warehouse?sslmode=disable"
}

# A port nothing listens on, from 55432 up (a connection to it is refused).
free_port() {
	local p
	for ((p = $1; p < $1 + 200; p++)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port in $1..$(($1 + 199))"
}

# PG_DURABLE=1 (for benchmarks) keeps PostgreSQL's durability on: fsync,
# synchronous commits, full page writes; and a larger buffer cache.
durable=off
shared_buffers=128MB
if [ "${PG_DURABLE:-}" = 1 ]; then
	durable=on
	shared_buffers=2GB
fi

write_conf() {
	cat >"$conf" <<EOF
# Written by tools/postgres.sh: a throw-away test cluster. fsync and
# synchronous_commit are off: a crash of the machine can lose its data.
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$sock'
max_connections = 200
fsync = $durable
synchronous_commit = $durable
full_page_writes = $durable
shared_buffers = $shared_buffers
log_min_messages = warning
EOF
	chown --reference="$data" "$conf"
}

case "$cmd" in
dsn)
	running || die "no cluster is running in $dir (run: $0 start $dir)"
	print_dsn
	exit 0
	;;
stop)
	if running; then
		pg "$bindir/pg_ctl" stop -D "$data" -m fast -w >&2
	fi
	exit 0
	;;
esac

# start
if running; then
	print_dsn
	exit 0
fi
if [ ! -f "$data/PG_VERSION" ]; then
	rm -rf "$data"
	pg "$bindir/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >&2 ||
		pg "$bindir/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >&2 ||
		die "initdb failed in $data"
	echo "include_if_exists = 'testcluster.conf'" >>"$data/postgresql.conf"
fi
mkdir -p "$sock" "$dir/log"
[ ${#as_pg[@]} -eq 0 ] || chown postgres: "$sock" "$dir/log"

# Another process may take the port between the probe and the start: try
# the next free one then.
port=55432
started=""
for _ in 1 2 3 4 5; do
	port="$(free_port "$port")"
	write_conf "$port"
	if pg "$bindir/pg_ctl" start -D "$data" -l "$dir/log/postgres.log" -w -t 60 >&2; then
		started=1
		break
	fi
	port=$((port + 1))
done
[ -n "$started" ] || die "the cluster did not start; see $dir/log/postgres.log"

psql=("$bindir/psql" -X -q -h "$sock" -p "$(port_of)" -U postgres -d postgres -v ON_ERROR_STOP=1)
if [ -z "$(pg "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'warehouse'")" ]; then
	pg "${psql[@]}" -c "CREATE DATABASE warehouse" >&2
fi
print_dsn
