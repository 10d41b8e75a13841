#!/usr/bin/env bash
# The kernel matrix: boots Debian's 6.1 cloud kernels (the COS 6.1 generation) under qemu (TCG),
# x86-64 with dist/netrescue and arm64 with dist/netrescue-arm64, each with a busybox initramfs
# running tests/kernels/guest.sh, and asserts on what netrescue printed there. Prints ok/not ok
# lines like every test, prefixed with the kernel and architecture.
#   tests/kernels/run.sh [amd64|arm64]
. "$(dirname "$0")/../lib/harness.sh"
trap t_harness_cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
BUILD=$T_ROOT/build
K=$BUILD/kernels
mkdir -p "$K"

need() { # command package
	command -v "$1" >/dev/null 2>&1 && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null 2>&1
	command -v "$1" >/dev/null 2>&1
}

# The newest Debian 6.1 cloud kernel of an architecture and a static busybox for it, as .debs
# (cached in build/kernels; apt-get download checks them against the signed archive index).
fetch() { # arch -> sets DEB_K, DEB_BB
	local arch=$1 name
	name=$(apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-cloud-$arch\$" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1)
	[ -n "$name" ] || { apt-get update -q >/dev/null 2>&1; name=$(apt-cache search --names-only \
		"^linux-image-6\.1\.0-[0-9]+-cloud-$arch\$" | awk '{print $1}' | sort -V | tail -1); }
	[ -n "$name" ] || return 1
	DEB_K=$(ls "$K"/"${name}"_*_"$arch".deb 2>/dev/null | tail -1)
	if [ -z "$DEB_K" ]; then
		(cd "$K" && apt-get download "$name:$arch" >/dev/null 2>&1) || return 1
		DEB_K=$(ls "$K"/"${name}"_*_"$arch".deb | tail -1)
	fi
	DEB_BB=$(ls "$K"/busybox-static_*_"$arch".deb 2>/dev/null | tail -1)
	if [ -z "$DEB_BB" ]; then
		(cd "$K" && apt-get download "busybox-static:$arch" >/dev/null 2>&1) || return 1
		DEB_BB=$(ls "$K"/busybox-static_*_"$arch".deb | tail -1)
	fi
}

# Module names a .ko depends on, read from its .modinfo section.
ko_deps() { grep -ao 'depends=[a-z0-9_,-]*' "$1" | head -1 | sed 's/depends=//; s/,/ /g'; }

# Appends MODULE and what it depends on to the list, dependencies first.
ORDER=()
add_mod() { # moddir name
	local f d
	f=$(find "$1" -name "$2.ko" | head -1)
	[ -n "$f" ] || return 0 # built in
	for d in $(ko_deps "$f"); do add_mod "$1" "$d"; done
	[[ " ${ORDER[*]} " == *" $2 "* ]] || { ORDER+=("$2"); cp "$f" "$RD/modules/"; }
}

initramfs() { # arch binary -> $W/$arch/initrd.gz, $W/$arch/vmlinuz
	local arch=$1 bin=$2 x=$T_TMP/$1 mods kv
	RD=$x/root
	mkdir -p "$RD"/{bin,modules,proc,sys,dev}
	dpkg-deb -x "$DEB_K" "$x/k"
	dpkg-deb -x "$DEB_BB" "$x/bb"
	cp "$x/bb/bin/busybox" "$RD/bin/busybox"
	ln -s busybox "$RD/bin/sh"
	cp "$bin" "$RD/netrescue"
	cp "$T_ROOT/tests/kernels/guest.sh" "$RD/init"
	kv=$(ls "$x/k/lib/modules" | head -1)
	mods=$x/k/lib/modules/$kv
	ORDER=()
	for m in veth bridge; do add_mod "$mods" "$m"; done
	printf '%s\n' "${ORDER[@]}" >"$RD/modules.order"
	local before=${#ORDER[@]}
	add_mod "$mods" nf_conntrack
	printf '%s\n' "${ORDER[@]:$before}" >"$RD/modules.conntrack"
	cp "$x/k/boot/vmlinuz-$kv" "$x/vmlinuz"
	KVER=$kv
	(cd "$RD" && find . | "$HOST_BB" cpio -o -H newc 2>/dev/null | gzip -1) >"$x/initrd.gz"
}

boot() { # arch -> console log in $T_TMP/ARCH.log
	local arch=$1 x=$T_TMP/$1
	if [ "$arch" = amd64 ]; then
		timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 768 -nographic -no-reboot \
			-kernel "$x/vmlinuz" -initrd "$x/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
			</dev/null >"$T_TMP/$arch.log" 2>&1
	else
		timeout 300 qemu-system-aarch64 -machine virt -accel tcg -cpu max -m 768 -nographic -no-reboot \
			-kernel "$x/vmlinuz" -initrd "$x/initrd.gz" -append "console=ttyAMA0 quiet panic=-1" \
			</dev/null >"$T_TMP/$arch.log" 2>&1
	fi
	tr -d '\r' <"$T_TMP/$arch.log" >"$T_TMP/$arch.txt"
}

# The output of one command in the guest, and its exit code.
section() { awk -v n="$2" '$0 == "=== BEGIN " n {f=1; next} f && index($0, "=== END " n " rc=") == 1 {exit} f' "$T_TMP/$1.txt"; }
section_rc() { sed -n "s/^=== END $2 rc=//p" "$T_TMP/$1.txt" | head -1; }

check() { # arch label name want_rc jq-expr
	local doc rc
	doc=$(section "$1" "$3")
	rc=$(section_rc "$1" "$3")
	if [ -n "$4" ] && [ "$rc" != "$4" ]; then
		fail "$L $2: exit" "got '$rc', want $4; stderr: $(grep "^=== STDERR" "$T_TMP/$1.txt" | head -3 | tr '\n' ' ')"
		return
	fi
	expect_json "$L $2" "$5" "$doc"
}

scenarios() { # arch
	local a=$1
	check "$a" "version names the architecture" version 0 ".arch == \"$GUEST_ARCH\""
	check "$a" "links: cbr0 is a bridge, the pod veth its port" links 0 \
		'(.links[] | select(.name == "cbr0") | .kind == "bridge") and (.links[] | select(.name == "vethpod1") | .master == "cbr0")'
	check "$a" "neigh: the pod's address learned on cbr0" neigh 0 '[.neighbours[] | select(.ip == "10.4.0.5")] | length >= 1'
	check "$a" "locate: pod IP to vethpod1 and its netns" locate "" \
		'.host_interface == "vethpod1" and (.netns | type) == "number" and (.pids | length) >= 1'
	check "$a" "mtu: uplink 1460, pod interface found" mtu "" '.uplink.mtu == 1460 and ([.interfaces[] | select(.name == "vethpod1")] | length) == 1'
	check "$a" "sockets: the pod's listener on 8080 (sock_diag)" sockets 0 '[.sockets[] | select(.local | endswith(":8080"))] | length >= 1'
	check "$a" "port 8080: a holder in the pod netns" port "" '[.holders[] | select(.comm == "nc")] | length >= 1'
	check "$a" "bridge: a down cbr0 is bridge-down" bridge_down 1 '[.findings[] | select(.id == "bridge-down")] | length == 1'
	check "$a" "bridge --fix brings cbr0 up" bridge_fix "" '(.changed | length) >= 1'
	check "$a" "conntrack before nf_conntrack is loaded: not loaded" conntrack_before "" '.loaded == false'
	check "$a" "conntrack after loading: loaded, max > 0" conntrack_after "" '.loaded == true and .max > 0'
	check "$a" "capture -c 4 on cbr0" capture 0 '.packets_captured == 4'
	# Drops during the window (the pod's ICMP port unreachable that no socket on the node takes,
	# IPv6 multicast nobody joined): reason names from this kernel's own format file (NO_SOCKET
	# is 2 on 6.1, 3 on 6.18), flows read through this kernel's BTF by the BPF program.
	check "$a" "drops: this kernel's reason names, flows read through its BTF" drops 0 \
		'.method == "bpf" and .lost == 0 and (.reasons | length) >= 1 and ([.reasons[].reason] | all(test("^[A-Z0-9_]+$"))) and ([.reasons[].flows[]?] | length >= 1)'
	check "$a" "kmsg finds the guest's record" kmsg 0 '[.records[] | select(.text | contains("hello"))] | length == 1'
	check "$a" "diagnose: one document, the pod located" diagnose "" '.command == "diagnose" and (.findings | type) == "array"'
	if grep -q '^=== DONE' "$T_TMP/$a.txt"; then ok "$L guest ran to the end"; else fail "$L guest ran to the end" "$(tail -5 "$T_TMP/$a.txt" | tr '\n' ' ')"; fi
}

HOST_BB=
want=${1:-}
for arch in amd64 arm64; do
	[ -z "$want" ] || [ "$want" = "$arch" ] || continue
	if [ "$arch" = amd64 ]; then bin=$T_ROOT/dist/netrescue q=qemu-system-x86_64 qp=qemu-system-x86 GUEST_ARCH=x86_64
	else bin=$T_ROOT/dist/netrescue-arm64 q=qemu-system-aarch64 qp=qemu-system-arm GUEST_ARCH=aarch64; fi
	[ -x "$bin" ] || { fail "kernels $arch" "$bin not built"; continue; }
	need "$q" "$qp" || { fail "kernels $arch" "$qp not installable"; continue; }
	fetch "$arch" || { fail "kernels $arch" "no Debian 6.1 cloud kernel or busybox-static for $arch"; continue; }
	# The host's busybox (x86-64) packs the archive.
	if [ -z "$HOST_BB" ]; then
		[ "$arch" = amd64 ] || fetch amd64 >/dev/null || true
		mkdir -p "$T_TMP/hostbb" && dpkg-deb -x "$(ls "$K"/busybox-static_*_amd64.deb | tail -1)" "$T_TMP/hostbb"
		HOST_BB=$T_TMP/hostbb/bin/busybox
		[ "$arch" = amd64 ] || fetch "$arch"
	fi
	initramfs "$arch" "$bin"
	L="[$KVER $arch]"
	t0=$(date +%s)
	boot "$arch"
	echo "# $KVER $arch: booted and ran in $(( $(date +%s) - t0 )) s"
	scenarios "$arch"
done
