#!/usr/bin/env bash
# netrescue build driver.
#   ./build.sh            install missing tools, fetch + verify pinned sources, build dist/netrescue
#                         (x86-64) and dist/netrescue-arm64 (aarch64), both static, from the same pins
#   ./build.sh test       build, then run every test (unit, fuzz smoke, integration); last line "N passed, N failed"
#   ./build.sh bench      build, then run tests/bench/*.sh (ratios against tcpdump, ss, ps, ip, curl)
#   ./build.sh fuzz [S]   build libFuzzer targets (clang) and run each for S seconds (default 60)
#   ./build.sh image      build, then an OCI image layout in dist/oci/ (FROM scratch: the static
#                         binaries only, amd64 + arm64 index), dist/netrescue-oci.tar for
#                         docker load / ctr import, and dist/deploy/ (DaemonSet, Job) pinned by digest
#   ./build.sh clean      remove build/ and dist/
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
BUILD=$ROOT/build
DIST=$ROOT/dist
CACHE=${NR_SOURCE_CACHE:-$BUILD/sources}   # downloaded Debian source files (verified before use)
MUSL=$BUILD/musl              # static third-party libraries built with musl
export LC_ALL=C TZ=UTC
# Reproducibility: every timestamp that leaks into an artefact comes from the commit.
SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

say() { printf 'build: %s\n' "$*" >&2; }
die() { printf 'build: error: %s\n' "$*" >&2; exit 1; }

# --- toolchain --------------------------------------------------------------------------------
need_pkgs() {
	local want=() p
	# command -> Debian package that provides it
	for p in musl-gcc:musl-tools flex:flex bison:bison make:make gcc:gcc dpkg-source:dpkg-dev \
		xz:xz-utils strip:binutils sha256sum:coreutils file:file; do
		command -v "${p%%:*}" >/dev/null 2>&1 || want+=("${p#*:}")
	done
	[ -f /etc/ssl/certs/ca-certificates.crt ] || want+=(ca-certificates)
	printf '%s\n' "${want[@]}"
}

apt_updated=0
apt_install() {
	[ $# -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages ($*) and not root: install them or run as root"
	if [ $apt_updated = 0 ]; then apt-get update -q >/dev/null || die "apt-get update failed"; apt_updated=1; fi
	say "installing: $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null \
		|| die "apt-get install $* failed"
}

# The aarch64 cross build: Debian's cross gcc and binutils, the cross kernel headers, and musl
# for arm64 through multiarch (musl-dev is Multi-Arch: same, so both arches' musl co-exist).
ARM_SPECS=/usr/lib/aarch64-linux-musl/musl-gcc.specs
need_cross() {
	command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || echo gcc-aarch64-linux-gnu
	[ -d /usr/aarch64-linux-gnu/include/asm ] || echo linux-libc-dev-arm64-cross
	[ -f "$ARM_SPECS" ] || echo musl-dev:arm64
}

ensure_tools() {
	local missing
	missing=$(need_pkgs)
	# shellcheck disable=SC2086
	[ -z "$missing" ] || apt_install $missing
	missing=$(need_cross)
	if [ -n "$missing" ]; then
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			[ "$(id -u)" = 0 ] || die "the arm64 build needs 'dpkg --add-architecture arm64' (as root)"
			dpkg --add-architecture arm64
			apt_updated=0
		fi
		# shellcheck disable=SC2086
		apt_install $missing
	fi
}

# apt-get source needs a deb-src entry; add one mirroring the machine's own deb entries.
ensure_debsrc() {
	if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then return 0; fi
	[ "$(id -u)" = 0 ] || die "no deb-src entry in apt sources and not root to add one"
	local src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed 's/^Types: deb$/Types: deb-src/' "$src" > /etc/apt/sources.list.d/netrescue-src.sources
	elif [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/netrescue-src.list
	else
		die "cannot find apt sources to derive a deb-src entry from"
	fi
	say "added a deb-src entry for apt-get source"
	apt-get update -q >/dev/null || die "apt-get update failed"
	apt_updated=1
}

# --- pinned sources ---------------------------------------------------------------------------
pins() { grep -vE '^\s*(#|$)' "$ROOT/vendor/pins"; }

verify_file() { # file sha256
	[ -f "$CACHE/$1" ] && [ "$(sha256sum "$CACHE/$1" | cut -d' ' -f1)" = "$2" ]
}

fetch_sources() {
	mkdir -p "$CACHE"
	local name ver up file sum need=()
	while read -r name ver up file sum; do
		verify_file "$file" "$sum" || need+=("$name=$ver")
	done < <(pins)
	if [ ${#need[@]} -gt 0 ]; then
		ensure_debsrc
		mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
		say "apt-get source --download-only ${need[*]}"
		(cd "$CACHE" && apt-get source -q --download-only "${need[@]}" >/dev/null 2>&1) \
			|| { apt-get update -q >/dev/null; (cd "$CACHE" && apt-get source -q --download-only "${need[@]}" >/dev/null); } \
			|| die "apt-get source ${need[*]} failed"
	fi
	while read -r name ver up file sum; do
		verify_file "$file" "$sum" || die "$file: sha256 does not match vendor/pins (expected $sum)"
	done < <(pins)
}

pin_field() { pins | awk -v n="$1" -v f="$2" '$1==n {print $f; exit}'; }

unpack() { # name arch -> prints the unpacked source dir (one per architecture: builds are in-tree)
	local name=$1 ver dsc dir
	ver=$(pin_field "$name" 2)
	dsc=$(pins | awk -v n="$name" '$1==n && $4 ~ /\.dsc$/ {print $4; exit}')
	dir=$BUILD/$name-$ver
	[ "$2" = amd64 ] || dir=$dir-$2
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"
		(cd "$BUILD" && dpkg-source --no-check -x "$CACHE/$dsc" "$dir" >/dev/null) || die "dpkg-source -x $dsc failed"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# Kernel headers for musl: only linux/, asm/, asm-generic/ (never glibc's own headers).
# Per architecture: the host's for x86-64, Debian's cross headers for aarch64.
kernel_headers() { # arch kinc
	local kinc=$2
	mkdir -p "$kinc"
	if [ "$1" = amd64 ]; then
		[ -d /usr/include/linux ] || apt_install linux-libc-dev
		ln -sfn /usr/include/linux "$kinc/linux"
		ln -sfn /usr/include/asm-generic "$kinc/asm-generic"
		ln -sfn /usr/include/x86_64-linux-gnu/asm "$kinc/asm"
	else
		ln -sfn /usr/aarch64-linux-gnu/include/linux "$kinc/linux"
		ln -sfn /usr/aarch64-linux-gnu/include/asm-generic "$kinc/asm-generic"
		ln -sfn /usr/aarch64-linux-gnu/include/asm "$kinc/asm"
	fi
}

# Per-architecture settings: set_arch amd64|arm64 sets ARCH, CC, CROSS (tool prefix), HOSTTRIPLE,
# MUSL (third-party libraries), KINC, OBJ and OUT (the dist name).
set_arch() {
	ARCH=$1
	if [ "$ARCH" = amd64 ]; then
		CC=musl-gcc CROSS= HOSTTRIPLE= MUSL=$BUILD/musl KINC=$BUILD/kinc OBJ=$BUILD/obj OUT=netrescue
	else
		CC="aarch64-linux-gnu-gcc -specs $ARM_SPECS" CROSS=aarch64-linux-gnu- HOSTTRIPLE=aarch64-linux-gnu
		MUSL=$BUILD/musl-arm64 KINC=$BUILD/kinc-arm64 OBJ=$BUILD/obj-arm64 OUT=netrescue-arm64
	fi
}

VCFLAGS="-Os -g0 -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"

build_libpcap() {
	[ -f "$MUSL/lib/libpcap.a" ] && [ -f "$MUSL/.libpcap-$(pin_field libpcap 2)" ] && return 0
	local dir host=()
	dir=$(unpack libpcap "$ARCH")
	say "building libpcap $(pin_field libpcap 2) with musl ($ARCH)"
	local cf="$VCFLAGS -isystem $KINC -ffile-prefix-map=$dir=libpcap"
	# Cross builds: configure cannot run test programs, so name the capture type outright.
	[ -z "$HOSTTRIPLE" ] || host=(--host="$HOSTTRIPLE" --with-pcap=linux)
	(cd "$dir" && CC="$CC" AR="${CROSS}ar" RANLIB="${CROSS}ranlib" CFLAGS="$cf" CPPFLAGS="-isystem $KINC" \
		./configure -q --prefix="$MUSL" "${host[@]}" \
		--disable-shared --without-libnl --disable-dbus --disable-rdma --disable-bluetooth \
		--disable-usb --disable-netmap --without-dpdk --without-dag --without-septel --without-snf \
		--without-turbocap --disable-remote --enable-ipv6 >"$BUILD/libpcap-$ARCH.log" 2>&1 \
		&& make -j2 CFLAGS="$cf" libpcap.a >>"$BUILD/libpcap-$ARCH.log" 2>&1) \
		|| die "libpcap build failed, see $BUILD/libpcap-$ARCH.log"
	mkdir -p "$MUSL/lib" "$MUSL/include"
	cp "$dir/libpcap.a" "$MUSL/lib/"
	rm -rf "$MUSL/include/pcap" "$MUSL/include/pcap.h"
	cp -r "$dir/pcap" "$MUSL/include/pcap"
	cp "$dir/pcap.h" "$MUSL/include/"
	touch "$MUSL/.libpcap-$(pin_field libpcap 2)"
}

build_bearssl() {
	local tools=tools
	[ "$ARCH" = amd64 ] || tools=
	[ -f "$MUSL/lib/libbearssl.a" ] && { [ -z "$tools" ] || [ -x "$MUSL/bin/brssl" ]; } \
		&& [ -f "$MUSL/.bearssl-$(pin_field bearssl 2)" ] && return 0
	local dir
	dir=$(unpack bearssl "$ARCH")
	say "building BearSSL $(pin_field bearssl 2) with musl ($ARCH)"
	# brssl (the tool) is built for the build machine only: it converts the CA bundle into C trust
	# anchors at build time.
	(cd "$dir" && make -j2 CONF=Unix CC="$CC" LD="$CC" LDDLL="$CC" AR="${CROSS}ar" \
		CFLAGS="$VCFLAGS -fPIC -ffile-prefix-map=$dir=bearssl" DLL=no TESTS=no lib $tools \
		>"$BUILD/bearssl-$ARCH.log" 2>&1) || die "BearSSL build failed, see $BUILD/bearssl-$ARCH.log"
	mkdir -p "$MUSL/lib" "$MUSL/include" "$MUSL/bin"
	cp "$dir/build/libbearssl.a" "$MUSL/lib/"
	cp "$dir"/inc/*.h "$MUSL/include/"
	[ -z "$tools" ] || cp "$dir/build/brssl" "$MUSL/bin/"
	touch "$MUSL/.bearssl-$(pin_field bearssl 2)"
}

# The CA roots compiled into the binary: Debian's ca-certificates bundle, as BearSSL anchors.
GEN=$BUILD/gen
trust_anchors() {
	local bundle=/etc/ssl/certs/ca-certificates.crt out=$GEN/trust_anchors.c sum
	mkdir -p "$GEN"
	sum=$(sha256sum "$bundle" | cut -d' ' -f1)
	[ -f "$out" ] && grep -q "$sum" "$out" && return 0
	say "generating trust anchors from $bundle"
	{
		echo "/* Generated by build.sh from $bundle (sha256 $sum) with brssl ta. */"
		echo '#include <stddef.h>'
		echo '#include <bearssl.h>'
		echo '#include "tls/anchors.h"'
		"$BUILD/musl/bin/brssl" ta -q "$bundle"
		echo 'const br_x509_trust_anchor *const tls_builtin_anchors = TAs;'
		echo 'const size_t tls_builtin_anchors_num = TAs_NUM;'
	} > "$out.tmp" || die "brssl ta failed"
	mv "$out.tmp" "$out"
}

version_header() {
	local commit dirty=""
	commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || dirty="-dirty"
	mkdir -p "$GEN"
	local tmp=$GEN/version.h.tmp
	{
		echo "#define NR_VERSION \"$(cat "$ROOT/VERSION")\""
		echo "#define NR_COMMIT \"$commit$dirty\""
		echo "#define NR_LIBPCAP_DEBIAN \"$(pin_field libpcap 2)\""
		echo "#define NR_BEARSSL_VERSION \"$(pin_field bearssl 3)\""
		echo "#define NR_BEARSSL_DEBIAN \"$(pin_field bearssl 2)\""
		echo "#define NR_CA_BUNDLE \"$(dpkg-query -W -f='ca-certificates ${Version}' ca-certificates 2>/dev/null || echo unknown)\""
		echo "#define NR_BUILD_EPOCH ${SOURCE_DATE_EPOCH}LL"
	} > "$tmp"
	# Only touch the header when it changes, so make rebuilds nothing when nothing changed.
	cmp -s "$tmp" "$GEN/version.h" && rm -f "$tmp" || mv "$tmp" "$GEN/version.h"
}

build_netrescue() {
	say "compiling src/ for $ARCH"
	make -s -C "$ROOT" -f "$ROOT/src/Makefile" -j2 ROOT="$ROOT" BUILD="$BUILD" MUSL="$MUSL" KINC="$KINC" \
		CC="$CC" OBJ="$OBJ" || die "compiling netrescue for $ARCH failed"
	mkdir -p "$DIST"
	# Replace atomically: tests running the old binary never see a half-written file.
	cp "$OBJ/netrescue" "$DIST/.$OUT.tmp"
	"${CROSS}strip" --strip-all "$DIST/.$OUT.tmp"
	mv -f "$DIST/.$OUT.tmp" "$DIST/$OUT"
	local size sha
	size=$(stat -c %s "$DIST/$OUT")
	sha=$(sha256sum "$DIST/$OUT" | cut -d' ' -f1)
	say "dist/$OUT: $size bytes ($(( size / 1024 )) KiB), sha256 $sha"
	[ "$size" -le 1572864 ] || say "WARNING: dist/$OUT is over the 1.5 MiB budget"
}

build_all() {
	ensure_tools
	fetch_sources
	mkdir -p "$BUILD"
	# Builds may be started by several people/tests at once in one tree: serialise them.
	exec 9>"$BUILD/.lock"
	flock 9
	version_header
	for a in amd64 arm64; do
		set_arch "$a"
		kernel_headers "$ARCH" "$KINC"
		build_libpcap
		build_bearssl
		[ "$ARCH" != amd64 ] || trust_anchors
		build_netrescue
	done
	# The x86-64 binary keeps its name (scripts rely on it); -amd64 is the same file.
	cp -f "$DIST/netrescue" "$DIST/.netrescue-amd64.tmp" && mv -f "$DIST/.netrescue-amd64.tmp" "$DIST/netrescue-amd64"
	flock -u 9
}


# --- the OCI image: no daemon, reproducible (every timestamp is the commit's) ---------------------
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
blob() { # file -> moves it into the layout's blobs, prints "sha256:HEX SIZE"
	local h n
	h=$(sha_of "$1")
	n=$(stat -c %s "$1")
	mv -f "$1" "$OCI/blobs/sha256/$h"
	echo "sha256:$h $n"
}

image_arch() { # arch binary -> prints "sha256:HEX SIZE" of its image manifest
	local arch=$1 bin=$2 w=$BUILD/image/$1 created layer diff cfg man variant=""
	rm -rf "$w" && mkdir -p "$w/root"
	cp "$bin" "$w/root/netrescue"
	chmod 0755 "$w/root/netrescue"
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=ustar \
		-C "$w/root" -cf "$w/layer.tar" netrescue
	diff=$(sha_of "$w/layer.tar")
	gzip -n -9 -c "$w/layer.tar" >"$w/layer.tar.gz"
	read -r layer lsize < <(blob "$w/layer.tar.gz")
	created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
	[ "$arch" = arm64 ] && variant=',"variant":"v8"'
	printf '{"architecture":"%s"%s,"os":"linux","created":"%s","config":{"Entrypoint":["/netrescue"],"Cmd":["help"],"Labels":{"org.opencontainers.image.title":"netrescue","org.opencontainers.image.version":"%s","org.opencontainers.image.revision":"%s"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"netrescue ./build.sh image"}]}' \
		"$arch" "$variant" "$created" "$(cat "$ROOT/VERSION")" "$COMMIT" "$diff" "$created" >"$w/config.json"
	read -r cfg csize < <(blob "$w/config.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
		"$cfg" "$csize" "$layer" "$lsize" >"$w/manifest.json"
	read -r man msize < <(blob "$w/manifest.json")
	# For docker load of older engines (manifest.json beside index.json), amd64 only.
	[ "$arch" != amd64 ] || printf '[{"Config":"blobs/sha256/%s","RepoTags":["netrescue:%s"],"Layers":["blobs/sha256/%s"]}]' \
		"${cfg#sha256:}" "$(cat "$ROOT/VERSION")" "${layer#sha256:}" >"$BUILD/image/docker-manifest.json"
	echo "$man $msize"
}

build_image() {
	local v idx isize a64 a64s x86 x86s
	v=$(cat "$ROOT/VERSION")
	COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
	OCI=$DIST/oci
	rm -rf "$OCI" && mkdir -p "$OCI/blobs/sha256"
	read -r x86 x86s < <(image_arch amd64 "$DIST/netrescue")
	read -r a64 a64s < <(image_arch arm64 "$DIST/netrescue-arm64")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}' \
		"$x86" "$x86s" "$a64" "$a64s" >"$BUILD/image/index.json"
	read -r idx isize < <(blob "$BUILD/image/index.json")
	# The layout's own index: the multi-arch image as VERSION (what skopeo, ctr and docker load
	# take), and each architecture's manifest as VERSION-ARCH (what umoci unpacks).
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s","io.containerd.image.name":"docker.io/library/netrescue:%s"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s-amd64"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"},"annotations":{"org.opencontainers.image.ref.name":"%s-arm64"}}]}' \
		"$idx" "$isize" "$v" "$v" "$x86" "$x86s" "$v" "$a64" "$a64s" "$v" >"$OCI/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$OCI/oci-layout"
	cp "$BUILD/image/docker-manifest.json" "$OCI/manifest.json"
	tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=ustar \
		-C "$OCI" -cf "$DIST/.netrescue-oci.tar" . && mv -f "$DIST/.netrescue-oci.tar" "$DIST/netrescue-oci.tar"
	# The manifests, pinned by the index digest (a registry copy made with skopeo copy --all keeps
	# the same bytes, so the same digest). NR_IMAGE_REPO names the repository (Artifact Registry).
	mkdir -p "$DIST/deploy"
	local repo=${NR_IMAGE_REPO:-netrescue} f
	for f in "$ROOT"/src/deploy/*.yaml; do
		sed -e "s|@IMAGE@|$repo@$idx|g" -e "s|@VERSION@|$v|g" "$f" >"$DIST/deploy/$(basename "$f")"
	done
	say "dist/oci: netrescue:$v index $idx (amd64 $x86, arm64 $a64); dist/netrescue-oci.tar; dist/deploy/"
}

case "${1:-build}" in
build) build_all ;;
test) build_all; shift; exec "$ROOT/tests/run.sh" "$@" ;;
bench) build_all; shift; exec "$ROOT/tests/bench/run.sh" "$@" ;;
fuzz) build_all; shift; exec "$ROOT/tests/fuzz/run.sh" "$@" ;;
image) build_all; build_image ;;
clean) rm -rf "$BUILD" "$DIST" ;;
*) die "unknown command '$1' (build, test, bench, fuzz, image, clean)" ;;
esac
