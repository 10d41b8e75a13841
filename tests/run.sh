#!/usr/bin/env bash
# Runs every test: host unit tests (ASan+UBSan), fuzz targets on their corpora, and the
# integration tests against dist/netrescue on a simulated node. Last line: "N passed, N failed".
#   tests/run.sh [PATTERN]   only tests whose file name contains PATTERN
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
PATTERN=${1:-}
export LC_ALL=C
cd "$ROOT" || exit 1

# --- test dependencies ---
want=()
while IFS=: read -r cmd pkg; do
	case "$cmd" in ''|'#'*) continue ;; esac
	command -v "$cmd" >/dev/null 2>&1 || want+=("$pkg")
done < tests/deps
for h in pcap/pcap.h bearssl.h; do [ -f "/usr/include/$h" ] || want+=("$( [ "$h" = bearssl.h ] && echo libbearssl-dev || echo libpcap-dev)"); done
if [ ${#want[@]} -gt 0 ]; then
	echo "tests: installing ${want[*]}" >&2
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(printf '%s\n' "${want[@]}" | sort -u) >/dev/null \
		|| { echo "tests: apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

pass=0 fail=0
LOG=$BUILD/test-logs
mkdir -p "$LOG"

# Every test prints lines "ok - NAME" or "not ok - NAME: why"; we count them.
count() { # file-with-output label rc
	local p f
	p=$(grep -c '^ok ' "$1" || true)
	f=$(grep -c '^not ok ' "$1" || true)
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $2: exited $3 without reporting a failure" >>"$1"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
	grep -E '^(ok|not ok) ' "$1" | sed "s|^|[$2] |" | grep -v '^\[[^]]*\] ok ' || true
	printf '%-40s %3d passed, %d failed\n' "$2" "$p" "$f"
}

# --- unit tests: host gcc, sanitizers, all modules but main() in one archive ---
UNIT=$BUILD/unit
mkdir -p "$UNIT/obj"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
UCFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wshadow -Wformat=2 -Wno-missing-prototypes -Werror $SAN -I$ROOT/src -I$BUILD/gen -I$ROOT/tests/unit"
unit_build() {
	local objs=() s o
	for s in $(find src -name '*.c' ! -path src/cli/main.c | sort) "$BUILD/gen/trust_anchors.c"; do
		o=$UNIT/obj/$(echo "${s#"$ROOT"/}" | tr / _).o
		if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src "$BUILD/gen/version.h" -name '*.h' -newer "$o" 2>/dev/null | head -1)" ]; then
			gcc $UCFLAGS -c -o "$o" "$s" || return 1
		fi
		objs+=("$o")
	done
	# A private archive moved into place: several test runs may share this tree.
	rm -f "$UNIT/libnr.a.$$"
	ar rcs "$UNIT/libnr.a.$$" "${objs[@]}" && mv -f "$UNIT/libnr.a.$$" "$UNIT/libnr.a"
}
if unit_build >"$LOG/unit-build.log" 2>&1; then
	for t in tests/unit/test_*.c; do
		[ -e "$t" ] || continue
		n=$(basename "$t" .c)
		case "unit/$n" in *"$PATTERN"*) ;; *) continue ;; esac
		out=$LOG/$n.log
		if gcc $UCFLAGS -o "$UNIT/$n" "$t" "$UNIT/libnr.a" -lpcap -lbearssl -lm >"$out" 2>&1; then
			(cd "$ROOT" && ASAN_OPTIONS=detect_leaks=1 timeout 300 "$UNIT/$n") >"$out" 2>&1; rc=$?
		else
			echo "not ok - $n: does not compile" >>"$out"; rc=1
		fi
		count "$out" "unit/$n" "$rc"
	done
else
	cat "$LOG/unit-build.log" | tail -20
	echo "not ok - unit build" >"$LOG/unit-build.out"
	count "$LOG/unit-build.out" "unit/build" 1
fi

# --- fuzz targets: replay their corpora (and a short run) under libFuzzer ---
if [ -x tests/fuzz/run.sh ] && [ -z "$PATTERN" -o "$PATTERN" = fuzz ]; then
	out=$LOG/fuzz.log
	FUZZ_SECONDS=${FUZZ_SECONDS:-5} tests/fuzz/run.sh >"$out" 2>&1; rc=$?
	count "$out" "fuzz" "$rc"
fi

# --- integration tests: real kernel objects, dist/netrescue ---
if [ "$(id -u)" != 0 ]; then
	echo "not ok - integration tests need root (network namespaces, cgroups)" >"$LOG/integration.out"
	count "$LOG/integration.out" "integration" 1
else
	for t in tests/integration/*.sh; do
		[ -e "$t" ] || continue
		n=$(basename "$t" .sh)
		case "integration/$n" in *"$PATTERN"*) ;; *) continue ;; esac
		out=$LOG/$n.log
		# Two clean builds of both architectures take longest.
		case "$n" in build_repro) lim=1800 ;; *) lim=900 ;; esac
		timeout "$lim" bash "$t" >"$out" 2>&1; rc=$?
		count "$out" "integration/$n" "$rc"
	done
fi

# --- kernel matrix: Debian's 6.1 kernels, x86-64 and arm64, under qemu (tests/kernels/) ---
if [ "$(id -u)" = 0 ] && { [ -z "$PATTERN" ] || [[ kernels == *"$PATTERN"* ]]; }; then
	out=$LOG/kernels.log
	timeout 1500 bash tests/kernels/run.sh >"$out" 2>&1; rc=$?
	count "$out" "kernels" "$rc"
fi
ran="host $(uname -r) $(uname -m)"
[ -f "$LOG/kernels.log" ] && ran="$ran; $(sed -n 's/^# \([^ ]*\) \([a-z0-9]*\): booted.*/\1 \2/p' "$LOG/kernels.log" | paste -sd';' | sed 's/;/; /g')"
echo "kernels and architectures that ran: $ran"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
