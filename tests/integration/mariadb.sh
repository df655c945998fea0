# shellcheck shell=bash
#
# mariadb.sh: a private MariaDB for tests and `make demo`. Source it, then:
#
#   jg_mariadb_start DIR PORT [CERTDIR]   install a fresh data dir in DIR/data, start mariadbd on
#                                         127.0.0.1:PORT, create jg_admin, load shop.sql
#   jg_mariadb_stop DIR                   clean shutdown, then SIGKILL after a bounded wait
#   jg_mariadb_root DIR [mariadb args]    mariadb CLI as root over DIR's socket (setup only)
#   jg_mariadb_admin DIR [mariadb args]   mariadb CLI as jg_admin over TCP (what tests compare to)
#   jg_free_port                          prints a free TCP port on 127.0.0.1
#
# JG_MARIADB_OPTS, when set, holds extra server options (words split on spaces), e.g.
# "--performance-schema=ON" for tests/differential.
#
# CERTDIR, when given, must hold tls-cert.pem, tls-key.pem and ca.pem (what `jitgate dev-keys`
# writes): the server then speaks TLS too, so tests can compare "direct over TLS" with
# "through jitgate over TLS".
#
# Everything the server uses lives under DIR (data, socket, pid, log, tmp), and the server reads
# no option file (--no-defaults): the Debian package's /etc/mysql config and its system server on
# 3306 (which the package may have started) must not leak in, and two instances with different
# DIR and PORT can run at the same time. Runs as root, without stdin, as CI does.

JG_MARIADB_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JG_MARIADB_WAIT=${JG_MARIADB_WAIT:-60}      # seconds for the server to answer after start
JG_MARIADB_STOP_WAIT=${JG_MARIADB_STOP_WAIT:-30}

# jg_free_port: the kernel picks a free ephemeral port; racy in theory, fine for tests (callers
# that bind it fail loudly rather than silently sharing).
jg_free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# jg_port_is_free PORT: true when nothing listens on 127.0.0.1:PORT and we may bind it.
jg_port_is_free() {
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
# As servers bind: connections in TIME_WAIT from a previous run do not make the port busy.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

_jg_mariadb_log_tail() {
	local dir=$1
	if [[ -f "$dir/mariadbd.log" ]]; then
		echo "---- last lines of $dir/mariadbd.log ----" >&2
		tail -n 30 "$dir/mariadbd.log" >&2
		echo "----" >&2
	fi
}

jg_mariadb_root() {
	local dir=$1; shift
	# Root logs in by unix_socket (we are root), so no root password exists anywhere.
	mariadb --no-defaults --protocol=socket --socket="$dir/mysqld.sock" -uroot "$@"
}

jg_mariadb_admin() {
	local dir=$1; shift
	local port
	port=$(cat "$dir/port")
	mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -ujg_admin \
		-p"$(cat "$dir/admin-password")" "$@"
}

jg_mariadb_start() {
	local dir=$1 port=$2 certdir=${3:-}
	local -a tls_args=()

	if [[ -z "$dir" || -z "$port" ]]; then
		echo "jg_mariadb_start: usage: jg_mariadb_start DIR PORT [CERTDIR]" >&2
		return 2
	fi
	if [[ "$port" == 3306 ]]; then
		echo "jg_mariadb_start: refusing port 3306 (a system MariaDB may own it)" >&2
		return 2
	fi
	if ! jg_port_is_free "$port"; then
		echo "jg_mariadb_start: 127.0.0.1:$port is already in use" >&2
		return 1
	fi
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# A unix socket path is limited to 108 bytes; fail with a reason instead of mariadbd's.
	if (( ${#dir} > 90 )); then
		echo "jg_mariadb_start: $dir is too long for a unix socket path; use a shorter DIR" >&2
		return 2
	fi
	if [[ -n "$certdir" ]]; then
		certdir=$(cd "$certdir" && pwd)
		local f
		for f in tls-cert.pem tls-key.pem ca.pem; do
			if [[ ! -r "$certdir/$f" ]]; then
				echo "jg_mariadb_start: $certdir/$f is missing" >&2
				return 2
			fi
		done
		tls_args=(--ssl-cert="$certdir/tls-cert.pem" --ssl-key="$certdir/tls-key.pem"
			--ssl-ca="$certdir/ca.pem")
	fi

	# A leftover server on this DIR (a previous run killed hard) would hold the data dir's locks.
	jg_mariadb_stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir/data" "$dir/tmp" "$dir/mysqld.sock" "$dir/mysqld.pid" "$dir/mariadbd.log"
	mkdir -p "$dir/data" "$dir/tmp"
	echo "$port" >"$dir/port"

	# --no-defaults must come first. --auth-root-authentication-method=socket: root needs no
	# password; --skip-test-db: nothing but what shop.sql creates.
	if ! mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$dir/install-db.log" 2>&1 </dev/null; then
		echo "jg_mariadb_start: mariadb-install-db failed; see $dir/install-db.log:" >&2
		tail -n 20 "$dir/install-db.log" >&2
		return 1
	fi

	# Small InnoDB settings start in about a second; 64M packets let tests move 20 MiB values.
	# utf8mb4 is set explicitly because --no-defaults skips Debian's config that sets it.
	# 3>&- 4>&-: a caller's extra descriptors (run.sh keeps its stdout there) must not stay open
	# in a daemon, or a pipe reading the caller would not see end of file.
	# setsid: the server gets its own process group, so a Ctrl-C meant for a test run reaches
	# the script (whose trap stops the server in order) and not mariadbd directly.
	# shellcheck disable=SC2086  # JG_MARIADB_OPTS is split into words on purpose
	setsid /usr/sbin/mariadbd --no-defaults --user=root \
		--datadir="$dir/data" --tmpdir="$dir/tmp" \
		--port="$port" --bind-address=127.0.0.1 \
		--socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
		--log-error="$dir/mariadbd.log" \
		--skip-name-resolve --max-allowed-packet=64M \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		"${tls_args[@]}" ${JG_MARIADB_OPTS:-} </dev/null >/dev/null 2>&1 3>&- 4>&- &
	echo $! >"$dir/mariadbd.launch-pid"

	local waited=0
	until jg_mariadb_root "$dir" -N -e 'SELECT 1' >/dev/null 2>&1; do
		if ! kill -0 "$(cat "$dir/mariadbd.launch-pid")" 2>/dev/null; then
			echo "jg_mariadb_start: mariadbd exited during startup" >&2
			_jg_mariadb_log_tail "$dir"
			return 1
		fi
		if (( waited >= JG_MARIADB_WAIT * 5 )); then
			echo "jg_mariadb_start: mariadbd did not answer within ${JG_MARIADB_WAIT}s" >&2
			_jg_mariadb_log_tail "$dir"
			jg_mariadb_stop "$dir" >/dev/null 2>&1 || true
			return 1
		fi
		sleep 0.2
		waited=$((waited + 1))
	done

	# jg_admin: a random password from the kernel's CSPRNG, readable by root only. It is created
	# for both 127.0.0.1 (TCP, what the gateway uses) and localhost (socket, for humans).
	local pw
	pw=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	(umask 077 && printf '%s\n' "$pw" >"$dir/admin-password")
	chmod 600 "$dir/admin-password"

	# MariaDB's install creates anonymous users (''@'localhost', ''@hostname). They would match
	# before 'jg_admin'@'%'-style accounts and make logins fail in confusing ways, so drop them all.
	local anon
	anon=$(jg_mariadb_root "$dir" -N -B -e \
		"SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE User = ''")
	if ! jg_mariadb_root "$dir" <<EOF
$anon
CREATE USER 'jg_admin'@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER 'jg_admin'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'jg_admin'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'jg_admin'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
	then
		echo "jg_mariadb_start: creating jg_admin failed" >&2
		return 1
	fi

	if ! jg_mariadb_root "$dir" <"$JG_MARIADB_LIB_DIR/shop.sql"; then
		echo "jg_mariadb_start: loading shop.sql failed" >&2
		return 1
	fi
	return 0
}

jg_mariadb_stop() {
	local dir=$1 pid=""
	if [[ -f "$dir/mysqld.pid" ]]; then
		pid=$(cat "$dir/mysqld.pid")
	elif [[ -f "$dir/mariadbd.launch-pid" ]]; then
		pid=$(cat "$dir/mariadbd.launch-pid")
	fi
	[[ -n "$pid" ]] || return 0
	# Only signal the pid if it is still a mariadbd: pid files outlive their process.
	if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != mariadbd ]]; then
		rm -f "$dir/mysqld.pid" "$dir/mariadbd.launch-pid"
		return 0
	fi
	# Orderly shutdown first (InnoDB flushes); SIGTERM does the same if the socket is gone.
	timeout 10 mariadb-admin --no-defaults --protocol=socket --socket="$dir/mysqld.sock" -uroot \
		shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
	local waited=0
	while kill -0 "$pid" 2>/dev/null; do
		if (( waited >= JG_MARIADB_STOP_WAIT * 5 )); then
			echo "jg_mariadb_stop: mariadbd $pid did not stop in ${JG_MARIADB_STOP_WAIT}s; killing" >&2
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.5
			break
		fi
		sleep 0.2
		waited=$((waited + 1))
	done
	rm -f "$dir/mysqld.pid" "$dir/mariadbd.launch-pid"
	return 0
}
