#!/usr/bin/env bash
# cids report: Table II formats and the growth-curve SVG, rendered by headless Chromium.
# Profiles come from an strace recording of a busybox loop made here, trained twice: once
# with the default criterion (steady) and once with a run too long to reach (not steady).
# The trace sits in a directory whose name has XML metacharacters: the profile's source
# text carries it into the SVG, which must stay well-formed.
. "$(dirname "$0")/lib.sh"
need_cmd strace busybox jq base64
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "needs chromium (scripts/deps.sh installs it)"
CIDS=$CIDS_BUILD/cids

chrome() {
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$TMP/chr" "$@" 2>>"$TMP/chromium.log"
}
chrome --dump-dom "data:text/html,<p>ok</p>" | has '<p>ok</p>' ||
	{ tail -5 "$TMP/chromium.log"; skip "headless chromium does not start here"; }

log "recording a busybox workload with strace"
odd="$TMP/tr<a&b\"c'"
mkdir -p "$odd"
strace -f -ttt -o "$odd/wl.strace" busybox sh -c \
	'i=0; while [ $i -lt 150 ]; do ls / >/dev/null; cat /etc/hostname >/dev/null; i=$((i+1)); done'
"$CIDS" train --format strace --clock calls --interval 200 --sigma 0.15 -o "$TMP/steady.profile" "$odd/wl.strace" >/dev/null
"$CIDS" train --format strace --clock calls --interval 200 --sigma 0.15 --consecutive 5000 \
	-o "$TMP/learning.profile" "$odd/wl.strace" >/dev/null

# --- table formats ---
"$CIDS" report --format json "$TMP/steady.profile" >"$TMP/steady.json"
ndbs=$(jq '.dbs | length' "$TMP/steady.json")
nsteady=$(jq '[.dbs[] | select(.steady)] | length' "$TMP/steady.json")
[ "$ndbs" -ge 2 ] || fail "expected several databases, got $ndbs"
[ "$nsteady" -ge 1 ] || fail "a repetitive loop should level off: no steady database"
jq -e '.dbs[] | select(.steady) | .t_max > 0 and .size > 0 and .state == "steady"' "$TMP/steady.json" >/dev/null ||
	fail "steady rows lack T_max/size"
"$CIDS" report --format csv "$TMP/steady.profile" >"$TMP/steady.csv"
[ "$(head -1 "$TMP/steady.csv")" = "algorithm,k,t_max,size,size_now,state,samples,clock" ] || fail "csv header"
[ "$(($(wc -l <"$TMP/steady.csv") - 1))" -eq "$ndbs" ] || fail "csv rows != databases"
"$CIDS" report "$TMP/steady.profile" >"$TMP/steady.txt"
assert_grep "T_max (calls)" "$TMP/steady.txt"
[ "$(grep -c ' steady' "$TMP/steady.txt")" -eq "$nsteady" ] || fail "table steady rows != json"
"$CIDS" report --format json "$TMP/learning.profile" >"$TMP/learning.json"
[ "$(jq '[.dbs[] | select(.steady)] | length' "$TMP/learning.json")" -eq 0 ] || fail "unreachable run became steady"
if "$CIDS" report "$TMP/nope.profile" 2>/dev/null; then fail "missing profile accepted"; fi
head -c 300 /dev/urandom >"$TMP/garbage.profile"
if "$CIDS" report "$TMP/garbage.profile" 2>/dev/null; then fail "garbage profile accepted"; fi
"$CIDS" report --help | has "Example" || fail "--help lacks an example"

# --- SVG ---
"$CIDS" report "$TMP/steady.profile" -o "$TMP/steady.svg" >/dev/null
"$CIDS" report "$TMP/learning.profile" -o "$TMP/learning.svg" --max-points 20 >/dev/null
assert_file "$TMP/steady.svg"

# well-formed XML even with the hostile source text: Chromium's XML parser reports errors
# as a <parsererror> element
for s in steady learning; do
	chrome --dump-dom "file://$TMP/$s.svg" >"$TMP/$s.xmldom"
	assert_file "$TMP/$s.xmldom"
	if grep -qi parsererror "$TMP/$s.xmldom"; then fail "$s.svg is not well-formed XML"; fi
done

dom_of() { # inline the SVG into an HTML page and let Chromium parse and dump it
	{ echo '<!DOCTYPE html><html><body>'; tail -n +2 "$1"; echo '</body></html>'; } >"$TMP/wrap.html"
	chrome --dump-dom "file://$TMP/wrap.html"
}
dom_of "$TMP/steady.svg" >"$TMP/steady.dom"
panels=$(grep -o '<g class="panel"' "$TMP/steady.dom" | wc -l)
[ "$panels" -eq "$ndbs" ] || fail "panels $panels != databases $ndbs"
steady_pts=$(grep -o '<circle class="steady"' "$TMP/steady.dom" | wc -l)
[ "$steady_pts" -eq "$nsteady" ] || fail "steady points $steady_pts != steady databases $nsteady"
run_pts=$(grep -o '<circle class="run"' "$TMP/steady.dom" | wc -l)
consec=$(jq .consecutive "$TMP/steady.json")
[ "$run_pts" -eq $((nsteady * (consec - 1))) ] || fail "run points $run_pts != $nsteady x $((consec - 1))"
assert_grep 'class="axis-label x"[^>]*>learning time (calls)' "$TMP/steady.dom"
assert_grep 'class="axis-label y"[^>]*>database size (entries)' "$TMP/steady.dom"
assert_grep 'class="legend"' "$TMP/steady.dom"
assert_grep 'class="caption sigma"[^>]*>Steady when 0 ≤ slope ≤ σ = 0.15' "$TMP/steady.dom"
assert_grep 'tr&lt;a&amp;b' "$TMP/steady.dom"
# every (algorithm, k) of the table has its panel
for row in $(jq -r '.dbs[] | "\(.algorithm):\(.k)"' "$TMP/steady.json"); do
	grep -q "data-algo=\"${row%%:*}\" data-k=\"${row##*:}\"" "$TMP/steady.dom" || fail "no panel for $row"
done

dom_of "$TMP/learning.svg" >"$TMP/learning.dom"
if grep -q '<circle class="steady"' "$TMP/learning.dom"; then fail "steady point drawn for a learning profile"; fi
[ "$(grep -o 'data-state="learning"' "$TMP/learning.dom" | wc -l)" -eq "$ndbs" ] || fail "learning panels"
assert_grep 'class="decimated"[^>]*>decimated: ' "$TMP/learning.dom"

# --- PNG: non-empty, and really a plot: count pixel colours of the screenshot in Chromium ---
chrome --screenshot="$TMP/r.png" --window-size=1400,1000 "file://$TMP/steady.svg" >/dev/null
assert_file "$TMP/r.png"
[ "$(head -c 8 "$TMP/r.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
cat >"$TMP/px.html" <<EOF
<!DOCTYPE html><html><body><pre id="out">pending</pre><script>
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const near = (i, r, gg, b) => Math.abs(d[i]-r) < 40 && Math.abs(d[i+1]-gg) < 40 && Math.abs(d[i+2]-b) < 40;
  let red = 0, blue = 0, green = 0, dark = 0, colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (near(i, 0xe0, 0x20, 0x1b)) red++;
    if (near(i, 0x1f, 0x5f, 0xd6)) blue++;
    if (near(i, 0x18, 0xa3, 0x3b)) green++;
    if (d[i] < 80 && d[i+1] < 80 && d[i+2] < 80) dark++;
    colours.add((d[i] >> 4) << 8 | (d[i+1] >> 4) << 4 | (d[i+2] >> 4));
  }
  document.getElementById('out').textContent =
    'w=' + img.width + ' red=' + red + ' blue=' + blue + ' green=' + green + ' dark=' + dark + ' colours=' + colours.size;
};
img.src = 'data:image/png;base64,$(base64 -w0 "$TMP/r.png")';
</script></body></html>
EOF
chrome --virtual-time-budget=5000 --dump-dom "file://$TMP/px.html" >"$TMP/px.dom"
px=$(sed -n 's/.*<pre id="out">\([^<]*\)<.*/\1/p' "$TMP/px.dom")
log "screenshot pixels: $px"
val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $px"; }
[ -n "$(val red)" ] || fail "could not analyse the screenshot: $px"
[ "$(val w)" -eq 1400 ] || fail "screenshot width"
[ "$(val red)" -ge 20 ] || fail "no red steady points in the picture ($px)"
[ "$(val green)" -ge 20 ] || fail "no green run points in the picture ($px)"
[ "$(val dark)" -ge 2000 ] || fail "no axes/text in the picture ($px)"
[ "$(val colours)" -ge 8 ] || fail "picture is nearly blank ($px)"
log "ok: $ndbs panels, $nsteady steady, PNG $(stat -c %s "$TMP/r.png") bytes"
