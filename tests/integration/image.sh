#!/usr/bin/env bash
# Fleet image: `./build.sh image` makes an OCI layout FROM scratch (the static binaries only),
# multi-arch (amd64 + arm64), reproducibly, with no Docker daemon; Debian's umoci and skopeo
# read it back (unpack and run the binary from the unpacked root filesystem; copy, which checks
# every digest); the DaemonSet and Job manifests are pinned by the index digest and valid against
# the Kubernetes API schemas (kubernetes-models from npm, offline).
. "$(dirname "$0")/../lib/harness.sh"
trap t_harness_cleanup EXIT
V=$(cat "$T_ROOT/VERSION")
OCI=$T_ROOT/dist/oci

expect_rc "./build.sh image" 0 "$T_ROOT/build.sh" image
idx1=$(jq -r '.manifests[0].digest' "$OCI/index.json")
expect_match "build.sh names the index digest" "index $idx1" "$ERR"
expect_rc "./build.sh image again" 0 "$T_ROOT/build.sh" image
expect_eq "the image is reproducible (same index digest)" "$(jq -r '.manifests[0].digest' "$OCI/index.json")" "$idx1"
expect_eq "oci-layout version" "$(jq -r .imageLayoutVersion "$OCI/oci-layout")" "1.0.0"

# --- skopeo: the multi-arch index, both platforms, a full copy (digests verified) ---
expect_rc "skopeo inspect --raw the index" 0 skopeo inspect --raw "oci:$OCI:$V"
expect_json "index lists amd64 and arm64/v8" \
	'[.manifests[].platform | "\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end)"] == ["linux/amd64","linux/arm64/v8"]' "$OUT"
expect_rc "skopeo inspect arm64" 0 skopeo inspect "oci:$OCI:$V-arm64"
expect_json "arm64 config: arch, one layer" '.Architecture == "arm64" and .Os == "linux" and (.Layers | length) == 1' "$OUT"
expect_rc "skopeo copy --all (every blob's digest checked)" 0 skopeo copy -q --all "oci:$OCI:$V" "oci:$T_TMP/copy:$V"
expect_rc "the tar loads as an OCI archive" 0 skopeo inspect "oci-archive:$T_ROOT/dist/netrescue-oci.tar:$V-amd64"
expect_rc "the tar loads as a docker archive (docker load)" 0 skopeo inspect "docker-archive:$T_ROOT/dist/netrescue-oci.tar"
expect_json "docker archive: netrescue:$V, amd64" '.Architecture == "amd64"' "$OUT"

# --- umoci: unpack each architecture and run the binary from the unpacked rootfs ---
for a in amd64 arm64; do
	expect_rc "umoci unpack $a" 0 umoci unpack --rootless --image "$OCI:$V-$a" "$T_TMP/b-$a"
	expect_eq "$a rootfs holds only the binary" "$(cd "$T_TMP/b-$a/rootfs" && find . -mindepth 1 | sort | tr '\n' ' ')" "./netrescue "
	expect_json "$a entrypoint is the binary" '.process.args == ["/netrescue", "help"]' "$(cat "$T_TMP/b-$a/config.json")"
done
expect_eq "unpacked amd64 binary is dist/netrescue" "$(sha256sum <"$T_TMP/b-amd64/rootfs/netrescue")" "$(sha256sum <"$T_ROOT/dist/netrescue")"
expect_rc "the unpacked amd64 binary runs" 0 "$T_TMP/b-amd64/rootfs/netrescue" --json version
expect_json "it is x86_64" '.arch == "x86_64"' "$OUT"
if command -v qemu-aarch64-static >/dev/null; then
	expect_rc "the unpacked arm64 binary runs (qemu-user)" 0 qemu-aarch64-static "$T_TMP/b-arm64/rootfs/netrescue" --json version
	expect_json "it is aarch64" '.arch == "aarch64"' "$OUT"
fi

# --- pause: the DaemonSet's keep-alive waits until SIGTERM, then exits 0 ---
"$NR" pause &
pp=$!
sleep 0.5
if kill -0 "$pp" 2>/dev/null; then ok "pause keeps running"; else fail "pause keeps running" "exited early"; fi
kill -TERM "$pp"
wait "$pp"
expect_eq "pause ends with 0 on SIGTERM" "$?" 0
expect_one_line_error "pause takes no arguments" 2 'takes no arguments' "$NR" pause now

# --- manifests: pinned by digest, the capabilities named, valid against the API schemas ---
for f in daemonset job; do
	m=$T_ROOT/dist/deploy/$f.yaml
	expect_match "$f: image pinned by the index digest" "image: \"netrescue@$idx1\"" "$(cat "$m")"
	expect_nomatch "$f: no template placeholder left but @NODE@" '@(IMAGE|VERSION)@' "$(cat "$m")"
	expect_match "$f: host network and PID namespaces" 'hostPID: true' "$(cat "$m")"
	expect_match "$f: --host-root /host" '"--host-root", "/host"' "$(cat "$m")"
	expect_match "$f: tolerates every taint" 'operator: Exists' "$(cat "$m")"
done
expect_rc "a private registry is named with NR_IMAGE_REPO" 0 env NR_IMAGE_REPO=europe-west1-docker.pkg.dev/p/r/netrescue "$T_ROOT/build.sh" image
expect_match "manifest points at Artifact Registry by digest" "image: \"europe-west1-docker.pkg.dev/p/r/netrescue@$idx1\"" "$(cat "$T_ROOT/dist/deploy/daemonset.yaml")"
"$T_ROOT/build.sh" image >/dev/null 2>&1
D=$T_ROOT/tests/deploy
if [ ! -d "$D/node_modules/kubernetes-models" ]; then
	(cd "$D" && flock /tmp/netrescue-deploy-npm.lock npm ci --no-audit --no-fund) >"$T_TMP/npm.log" 2>&1 \
		|| { fail "npm ci (kubernetes-models)" "$(tail -3 "$T_TMP/npm.log")"; exit 0; }
fi
sed 's/@NODE@/gke-pool-1-abcd/g' "$T_ROOT/dist/deploy/job.yaml" >"$T_TMP/job.yaml"
node "$D/validate.mjs" "$T_ROOT/dist/deploy/daemonset.yaml" "$T_TMP/job.yaml"
# The validator itself rejects a wrong manifest (so its "ok" means something).
sed 's/hostPID: true/hostPID: "yes"/' "$T_ROOT/dist/deploy/daemonset.yaml" >"$T_TMP/bad.yaml"
if node "$D/validate.mjs" "$T_TMP/bad.yaml" >"$T_TMP/bad.out" 2>&1; then
	fail "the schema check rejects hostPID: \"yes\"" "$(cat "$T_TMP/bad.out")"
else
	expect_match "the schema check rejects hostPID: \"yes\"" 'hostPID must be boolean' "$(cat "$T_TMP/bad.out")"
fi
