#!/usr/bin/env bash
# Size limits of the house style (STYLE.md): no C file over MAX_FILE_LINES lines and no function
# over MAX_FUNC_LINES lines (from its name to its closing brace), in the sources and the tests.
# clang-format puts a function's braces alone in column 0, which is what this counts on.
# scripts/size_allow.txt lists the files and functions still over a limit, each with the size it
# may not pass ("path function lines", "path - lines"): they may shrink, not grow, and nothing
# new may join them. Exit 1 with one line per offender; `--list` prints today's offenders in the
# allow-list format.
set -uo pipefail
cd "$(dirname "$0")/.."
MAX_FILE_LINES=${MAX_FILE_LINES:-800}
MAX_FUNC_LINES=${MAX_FUNC_LINES:-120}
ALLOW=scripts/size_allow.txt
list=0
[ "${1:-}" = --list ] && list=1
files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$files" ] || { echo "size_check: no C files found (not a git tree?)" >&2; exit 1; }
[ -r "$ALLOW" ] || ALLOW=/dev/null
# shellcheck disable=SC2086
awk -v maxf="$MAX_FILE_LINES" -v maxfn="$MAX_FUNC_LINES" -v list="$list" -v allowf="$ALLOW" '
BEGIN {
	while ((getline l < allowf) > 0) {
		if (l ~ /^#/ || l ~ /^[ \t]*$/) continue
		split(l, a, /[ \t]+/); allow[a[1] " " a[2]] = a[3]
	}
}
function report(key, what, n, max) {
	if (list) { print key " " n; return }
	if (key in allow) {
		if (n <= allow[key]) return
		printf "%s is %d lines (allowed %d by %s, max %d)\n", what, n, allow[key], allowf, max
	} else {
		printf "%s is %d lines (max %d)\n", what, n, max
	}
	bad = 1
}
FNR == 1 { start = 0; sig = 0 }
/^[A-Za-z_].*\(/ { sig = FNR; name = $0 }
/^\{$/ { start = sig ? sig : FNR }
/^\}$/ && start {
	n = FNR - start + 1
	if (n > maxfn) {
		sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
		report(FILENAME " " name, FILENAME ":" start ": function " name, n, maxfn)
	}
	start = 0; sig = 0
}
ENDFILE { if (FNR > maxf) report(FILENAME " -", FILENAME, FNR, maxf) }
END { exit bad }
' $files
