#!/usr/bin/env bash
# Two clean builds of one commit, in two different directories, give the same dist/netrescue.
. "$(dirname "$0")/../lib/harness.sh"
trap t_harness_cleanup EXIT
head=$(git -C "$T_ROOT" rev-parse HEAD 2>/dev/null) || { ok "not a git checkout: reproducibility not checked"; exit 0; }
# Two clean builds side by side (each builds libpcap and BearSSL for both architectures).
for d in a bb; do
	git clone -q "$T_ROOT" "$T_TMP/$d-clone" 2>/dev/null && git -C "$T_TMP/$d-clone" checkout -q "$head"
	# Reuse the verified downloads (the build still checks every sha256).
	(NR_SOURCE_CACHE=$T_ROOT/build/sources "$T_TMP/$d-clone/build.sh" >"$T_TMP/$d.log" 2>&1; echo $? >"$T_TMP/$d.rc") &
done
wait
for d in a bb; do
	if [ "$(cat "$T_TMP/$d.rc")" = 0 ]; then
		ok "clean build in $d-clone"
	else
		fail "clean build in $d-clone" "$(tail -5 "$T_TMP/$d.log" | tr '\n' ' ')"
	fi
done
sa=$(sha256sum "$T_TMP/a-clone/dist/netrescue" 2>/dev/null | cut -d' ' -f1)
sb=$(sha256sum "$T_TMP/bb-clone/dist/netrescue" 2>/dev/null | cut -d' ' -f1)
expect_eq "two clean builds give the same sha256" "$sa" "$sb"
aa=$(sha256sum "$T_TMP/a-clone/dist/netrescue-arm64" 2>/dev/null | cut -d' ' -f1)
ab=$(sha256sum "$T_TMP/bb-clone/dist/netrescue-arm64" 2>/dev/null | cut -d' ' -f1)
[ -n "$aa" ] && ok "the arm64 binary is built too" || fail "the arm64 binary is built too" "no dist/netrescue-arm64"
expect_eq "two clean builds give the same arm64 sha256" "$aa" "$ab"
expect_match "build.sh prints the arm64 sha256" "netrescue-arm64: [0-9]+ bytes .*sha256 $aa" "$(cat "$T_TMP/a.log")"
expect_match "build.sh prints the sha256" "sha256 $sa" "$(cat "$T_TMP/a.log")"
expect_match "build.sh prints the size" 'dist/netrescue: [0-9]+ bytes' "$(cat "$T_TMP/a.log")"
expect_match "the binary names its commit" "commit ${head:0:12}\b" "$("$T_TMP/a-clone/dist/netrescue" version)"
# On a clean checkout (CI), the tree's own build is the same binary too.
if [ -z "$(git -C "$T_ROOT" status --porcelain --untracked-files=no)" ]; then
	expect_eq "this tree's build matches the clean clones" "$(sha256sum "$NR" | cut -d' ' -f1)" "$sa"
	expect_eq "this tree's arm64 build matches the clean clones" "$(sha256sum "$T_ROOT/dist/netrescue-arm64" | cut -d' ' -f1)" "$aa"
fi
# It runs with no musl anywhere: a static binary needs nothing from the machine.
mkdir -p "$T_TMP/empty"
cp "$T_TMP/a-clone/dist/netrescue" "$T_TMP/empty/"
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	# Hide musl's files from the binary's view of the filesystem.
	out=$(unshare -m sh -c "mount -t tmpfs none /usr/lib/musl 2>/dev/null; mount -t tmpfs none /usr/lib/x86_64-linux-musl 2>/dev/null; $T_TMP/empty/netrescue version" 2>&1)
	expect_match "runs with musl hidden" '^netrescue ' "$out"
fi
