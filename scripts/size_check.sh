#!/usr/bin/env bash
# Size limits of the house style (STYLE.md): no C file over MAX_FILE_LINES lines and no function
# over MAX_FUNC_LINES lines (from its name to its closing brace), in the sources and the tests.
# clang-format puts a function's braces alone in column 0, which is what this counts on.
# Exit 1 with one line per offender.
set -uo pipefail
cd "$(dirname "$0")/.."
MAX_FILE_LINES=${MAX_FILE_LINES:-800}
MAX_FUNC_LINES=${MAX_FUNC_LINES:-120}
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ -n "$files" ] || { echo "size_check: no C files found" >&2; exit 1; }
# shellcheck disable=SC2086
awk -v maxf="$MAX_FILE_LINES" -v maxfn="$MAX_FUNC_LINES" '
FNR == 1 { start = 0; sig = 0; prev = "" }
/^[A-Za-z_].*\(/ { sig = FNR; name = $0 }
/^\{$/ { start = sig ? sig : FNR }
/^\}$/ && start {
	n = FNR - start + 1
	if (n > maxfn) {
		sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
		printf "%s:%d: function %s is %d lines (max %d)\n", FILENAME, start, name, n, maxfn
		bad = 1
	}
	start = 0; sig = 0
}
ENDFILE { if (FNR > maxf) { printf "%s: %d lines (max %d)\n", FILENAME, FNR, maxf; bad = 1 } }
END { exit bad }
' $files
