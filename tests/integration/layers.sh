#!/usr/bin/env bash
# The module graph, read from the #include lines of src/: every module sits in one layer
# (README "Layout", the block between <!-- layers:begin --> and <!-- layers:end -->, top layer
# first), includes only modules of its own layer or below, and the graph has no cycle. Every
# module of src/ is named in that block exactly once, and every name there is a module.
# A self-test first: the same check on a small made-up tree must find what is wrong in it.
. "$(dirname "$0")/../lib/harness.sh"
cd "$T_ROOT" || exit 1
trap t_harness_cleanup EXIT

# The layers block of a README: one line per layer, top first, printed as "MODULE LAYER".
layers_of() {
	sed -n '/<!-- layers:begin -->/,/<!-- layers:end -->/p' "$1" | grep -vE '^(<!--|```)' \
		| awk 'NF { n++; for (i = 1; i <= NF; i++) mod[i, n] = $i; cnt[n] = NF }
		       END { for (l = 1; l <= n; l++) for (i = 1; i <= cnt[l]; i++) print mod[i, l], n - l }'
}

# Modules of a tree: folders of SRC holding C sources or headers.
modules_of() {
	local d
	for d in "$1"/*/; do
		ls "$d" | grep -qE '\.[ch]$' && basename "$d"
	done | sort
}

# Edges "FROM TO" between distinct modules, from #include "TO/..." in FROM's files.
edges_of() {
	local m
	for m in $(modules_of "$1"); do
		grep -ho '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[A-Za-z0-9_]*/' "$1/$m"/*.[ch] 2>/dev/null \
			| sed 's/.*"//;s/\/$//' | sort -u | grep -vx "$m" | sed "s/^/$m /"
	done
}

# Checks SRC against README; prints one line per problem, nothing when all is well.
problems() { # SRC README
	local src=$1 readme=$2 m n from to
	declare -A layer=()
	while read -r m n; do
		[ -n "${layer[$m]:-}" ] && echo "module $m is named twice in the layers block"
		layer[$m]=$n
	done < <(layers_of "$readme")
	[ ${#layer[@]} -gt 0 ] || { echo "no layers block in $readme"; return; }
	for m in $(modules_of "$src"); do
		[ -n "${layer[$m]:-}" ] || echo "module $m is in no layer (README Layout)"
	done
	for m in "${!layer[@]}"; do
		[ -d "$src/$m" ] || echo "layer block names $m, which is not a module of $src"
	done
	while read -r from to; do
		[ -n "$from" ] || continue
		if [ -z "${layer[$to]:-}" ]; then
			[ -d "$src/$to" ] && continue # reported above
			echo "$from includes $to/, which is not a module"
		elif [ -n "${layer[$from]:-}" ] && [ "${layer[$to]}" -gt "${layer[$from]}" ]; then
			echo "$from reaches up to $to: $(grep -l "#include \"$to/" "$src/$from"/*.[ch] | sed "s|^$src/||" | paste -sd' ')"
		fi
	done < <(edges_of "$src")
	edges_of "$src" | tsort >/dev/null 2>"$T_TMP/tsort" || true
	grep -q 'loop' "$T_TMP/tsort" && echo "include cycle: $(grep -v 'input contains a loop' "$T_TMP/tsort" | sed 's/^tsort: //' | paste -sd' ')"
	return 0
}

# --- self-test ------------------------------------------------------------------------------
F=$T_TMP/fake
mkdir -p "$F/src/base" "$F/src/net" "$F/src/cmd" "$F/src/stray"
printf '#include "net/net.h"\n' >"$F/src/base/a.c"         # base reaches up to net
printf '#include "cmd/cmd.h"\n' >"$F/src/net/net.c"        # net reaches up, and closes a loop
printf '#include "net/net.h"\n#include "base/b.h"\n' >"$F/src/cmd/cmd.c"
printf '#include "base/b.h"\n#include "cmd/cmd.h"\n' >"$F/src/stray/s.c"
printf 'x\n<!-- layers:begin -->\n```\ncmd\nnet ghost\nbase\n```\n<!-- layers:end -->\n' >"$F/README.md"
P=$(problems "$F/src" "$F/README.md")
expect_match "self-test: a module reaching up is found" '^base reaches up to net: base/a\.c' "$P"
expect_match "self-test: a second one" '^net reaches up to cmd' "$P"
expect_match "self-test: a cycle is found" '^include cycle' "$P"
expect_match "self-test: a module in no layer is found" '^module stray is in no layer' "$P"
expect_match "self-test: a layer naming no module is found" 'names ghost, which is not a module' "$P"
P=$(problems "$F/src" /dev/null)
expect_match "self-test: a README without the block is refused" '^no layers block' "$P"

# --- the tree -------------------------------------------------------------------------------
n=$(layers_of README.md | wc -l)
[ "$n" -ge 20 ] && ok "README Layout names $n modules in layers" || fail "README layers block" "only $n modules read"
n=$(edges_of src | wc -l)
[ "$n" -ge 50 ] && ok "read $n module-to-module includes in src/" || fail "includes of src/" "only $n read: the grep is broken"
P=$(problems src README.md)
expect_eq "src/: every module in one layer, none reaching up, no include cycle" "$P" ""

# --- callers own their state: a command allocates it once per run (a mutable static inside a
# function outlives the run and is shared by anything that calls run twice) ------------------
P=$(grep -nE '^[[:space:]]+static (volatile )?(struct|union|char|int|unsigned|long|double|size_t)\b' src/cli/cmd_*.c | grep -v 'static const')
expect_eq "src/cli: no command keeps a mutable static inside a function" "$P" ""
exit 0
