#!/usr/bin/env bash
# upload --post-policy (issue 21): one credential for a whole fleet. Policies made by the real
# signers (@google-cloud/storage's generateSignedPostPolicyV4, @aws-sdk/s3-presigned-post's
# createPresignedPost), sent to a form-POST server that checks what Cloud Storage and S3 check
# (expiration, every condition, the signature over the policy with the signer's public key or
# the HMAC secret). Two nodes with the same policy write two objects; a tampered signature, an
# expired policy, a file over the size range and a policy that fixes the object name are each
# named; the signature never appears in output, JSON or the process's command line.
. "$(dirname "$0")/../lib/harness.sh"

UP_TAG=upp
. "$T_ROOT/tests/upload/common.sh"
[ -d "$UP_DIR/node_modules/@aws-sdk/s3-presigned-post" ] ||
	(cd "$UP_DIR" && flock /tmp/netrescue-upload-npm.lock npm ci --no-audit --no-fund) >"$W/npm2.log" 2>&1 ||
	{ fail "npm ci (s3-presigned-post)" "$(tail -3 "$W/npm2.log")"; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=netrescue test ca" \
	-keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=srv" -keyout "$W/srv.key" -out "$W/srv.csr" 2>/dev/null
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile <(printf 'subjectAltName=DNS:storage.googleapis.com,DNS:s3.amazonaws.com\nextendedKeyUsage=serverAuth\n') \
	-out "$W/srv.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/sa.key" 2>/dev/null
openssl pkey -in "$W/sa.key" -pubout -out "$W/sa.pub" 2>/dev/null
jq -n --rawfile k "$W/sa.key" '{type: "service_account", client_email: "nr@nr-test.iam.gserviceaccount.com", private_key: $k}' >"$W/sa.json"

mkdir -p "$W/srv"
inns node "$UP_DIR/postpolicy.js" serve --cert "$W/srv.pem" --key "$W/srv.key" --dir "$W/srv" --pub "$W/sa.pub" \
	--s3secret nr-test-secret --port 443 >"$W/srv.out" 2>&1 &
PIDS+=($!)
wait_file "$W/srv/ready" || { fail "policy server starts" "$(cat "$W/srv.out")"; exit 1; }

PP() { node "$UP_DIR/postpolicy.js" "$@" 2>/dev/null; }
NET=(--ca-file "$W/ca.pem" --resolve storage.googleapis.com:443:127.0.0.1)
NETS3=(--ca-file "$W/ca.pem" --resolve s3.amazonaws.com:443:127.0.0.1)
ALL=$W/all
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL"; }
head -c 2000000 /dev/urandom >"$W/bundle.tgz"
obj() { echo "$W/srv/objects/${1//\//_}"; }

# --- Cloud Storage: one policy, two nodes, two objects ---
PP sign-gcs "$W/sa.json" https://storage.googleapis.com bucket 'bundles/${filename}' 600 >"$W/gcs.json"
GSIG=$(jq -r '.fields["x-goog-signature"]' "$W/gcs.json")
[ ${#GSIG} -gt 100 ] && ok "generateSignedPostPolicyV4 made a policy" || fail "GCS policy" "$(cat "$W/gcs.json")"
expect_rc "node-a uploads with the fleet policy" 0 inns "$NR" --json upload "$W/bundle.tgz" --post-policy "$W/gcs.json" \
	--node-name node-a "${NET[@]}"
keep
expect_json "node-a: provider gcs, 204, every byte" '.provider == "gcs" and .http_status == 204 and .bytes == 2000000' "$OUT"
A=$(jq -r .object <<<"$OUT")
expect_match "node-a's object is bundles/node-a/TIME-bundle.tgz" '^bundles/node-a/[0-9]{8}T[0-9]{6}Z-bundle\.tgz$' "$A"
cmp -s "$W/bundle.tgz" "$(obj "$A")" && ok "the server stored node-a's bundle intact" || fail "node-a object" "$(tail -2 "$W/srv/log")"
expect_rc "node-b, same policy (from stdin)" 0 sh -c "ip netns exec $NS $NR --json upload $W/bundle.tgz --post-policy - \
	--node-name node-b ${NET[*]} <$W/gcs.json"
keep
B=$(jq -r .object <<<"$OUT")
expect_match "node-b's object is its own" '^bundles/node-b/' "$B"
[ -f "$(obj "$B")" ] && [ "$A" != "$B" ] && ok "two nodes, one credential, two objects" || fail "two objects" "$A / $B"
expect_rc "--object template and \$NODE_NAME" 0 inns env NODE_NAME=gke-pool-1-xyz "$NR" --json upload "$W/bundle.tgz" \
	--post-policy "$W/gcs.json" --object 'diag-{node}.tgz' "${NET[@]}"
keep
expect_json "object from the template" '.object == "bundles/diag-gke-pool-1-xyz.tgz"' "$OUT"

# --- S3 presigned POST: the same, ETag MD5 checked ---
PP sign-s3 https://s3.amazonaws.com bucket 'bundles/${filename}' 600 >"$W/s3.json"
SSIG=$(jq -r '.fields["X-Amz-Signature"]' "$W/s3.json")
expect_rc "S3 presigned POST" 0 inns "$NR" --json upload "$W/bundle.tgz" --post-policy "$W/s3.json" --node-name node-c "${NETS3[@]}"
keep
expect_json "S3: provider s3, ETag MD5 checked" '.provider == "s3" and .hash_checked == true and .checked_by == "ETag md5"' "$OUT"
cmp -s "$W/bundle.tgz" "$(obj "$(jq -r .object <<<"$OUT")")" && ok "S3 object intact" || fail "S3 object" "missing"

# --- what the server refuses, named; what the policy forbids, refused before sending ---
jq '.fields["x-goog-signature"] = ("00" + .fields["x-goog-signature"][2:])' "$W/gcs.json" >"$W/bad.json"
expect_rc "a tampered signature: exit 3" 3 inns "$NR" upload "$W/bundle.tgz" --post-policy "$W/bad.json" "${NET[@]}"
keep
expect_match "says the signature was refused" 'signature' "$ERR"
PP sign-gcs "$W/sa.json" https://storage.googleapis.com bucket 'bundles/${filename}' 1 >"$W/exp.json"
sleep 2
expect_rc "an expired policy: exit 3" 3 inns "$NR" upload "$W/bundle.tgz" --post-policy "$W/exp.json" "${NET[@]}"
keep
expect_match "warns that the policy expired before sending" 'POST policy expired' "$ERR"
PP sign-gcs "$W/sa.json" https://storage.googleapis.com bucket 'bundles/${filename}' 600 '' 1000 >"$W/small.json"
n=$(wc -l <"$W/srv/log")
expect_one_line_error "a file over the content-length-range" 2 'content-length-range allows 0 to 1000' \
	inns "$NR" upload "$W/bundle.tgz" --post-policy "$W/small.json" "${NET[@]}"
keep
expect_eq "nothing was sent" "$(wc -l <"$W/srv/log")" "$n"
PP sign-gcs "$W/sa.json" https://storage.googleapis.com bucket 'fixed.tgz' 600 >"$W/fixed.json"
expect_one_line_error "a policy that fixes the name vs --object" 2 "fixes the object name to 'fixed.tgz'" \
	inns "$NR" upload "$W/bundle.tgz" --post-policy "$W/fixed.json" --object '{node}.tgz' "${NET[@]}"
keep
expect_one_line_error "not JSON" 2 'unusable POST policy' inns "$NR" upload "$W/bundle.tgz" --post-policy '{"url": 1' "${NET[@]}"
expect_one_line_error "--object without --post-policy" 2 'go with --post-policy' inns "$NR" upload "$W/bundle.tgz" https://x/y --object a

# --- the signatures are secrets: not in any output, not on the command line ---
# A server that accepts and never answers keeps the process alive long enough to be sampled.
inns python3 -c 'import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",8450)); s.listen(8)
c=[]
while True: c.append(s.accept())' &
PIDS+=($!)
for _ in $(seq 50); do inns ss -ltn | grep -q ':8450 ' && break; sleep 0.1; done
jq -c '.url = "https://storage.googleapis.com:8450/bucket/"' "$W/gcs.json" >"$W/stall.json"
J=$(inns env SAMPLER_SECRETS="$GSIG" python3 "$UP_DIR/sampler.py" "$W/s.out" "$W/s.err" -- "$NR" upload \
	"$W/bundle.tgz" --post-policy "$(cat "$W/stall.json")" --node-name node-d --ca-file "$W/ca.pem" \
	--resolve storage.googleapis.com:8450:127.0.0.1 --timeout 2 --retries 0)
expect_json "inline policy to a silent server: exit 3, sampled for a while" '.rc == 3 and .samples > 100' "$J"
expect_json "inline policy: its signature never in /proc/PID/cmdline or ps once netrescue started" \
	'.raw_after_redaction == 0 and .ps_hits == 0 and .redacted_seen' "$J"
cat "$W/s.out" "$W/s.err" >>"$ALL"
for s in "$GSIG" "$SSIG"; do
	if grep -qF "${s:0:40}" "$ALL"; then fail "signature kept out of every output" "found ${s:0:12}..."; else ok "signature ${s:0:8}... in no output"; fi
done

# --- the fleet's run: diagnose --summary-only, bundle uploaded with the policy ---
rm -f "$W/b.tgz"
inns "$NR" diagnose --summary-only --since 1m --bundle "$W/b.tgz" --post-policy "$W/gcs.json" --node-name node-e \
	--ca-file "$W/ca.pem" --resolve storage.googleapis.com:443:127.0.0.1 >"$W/sum.out" 2>"$W/sum.err"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] && ok "diagnose --summary-only --post-policy: exit $rc" || fail "diagnose with policy" "exit $rc: $(cat "$W/sum.err")"
expect_eq "one line on stdout" "$(wc -l <"$W/sum.out")" 1
expect_match "node, verdict, counts, worst finding (tab-separated)" "^$(hostname)	(ok|warn|fail)	[0-9]+ fail, [0-9]+ warn, [0-9]+ checks? incomplete	" "$(cat "$W/sum.out")"
o=$(ls "$W/srv/objects" | grep '^bundles_node-e_' | head -1)
[ -n "$o" ] && tar -tzf "$W/srv/objects/$o" | grep -qx report.json && ok "the bundle landed as bundles/node-e/TIME.tgz with report.json" \
	|| fail "diagnose bundle uploaded" "$(ls "$W/srv/objects")"
# The summary line beside it (NAME.txt): one listing of the bucket collects every node's line.
expect_eq "the summary line went up beside the bundle" "$(cat "$W/srv/objects/${o%.tgz}.txt" 2>/dev/null)" "$(cat "$W/sum.out")"
J=$(inns "$NR" --json diagnose --summary-only --since 1m 2>/dev/null)
expect_json "summary JSON: node, verdict, counts, top" '.command == "diagnose" and (.node|type) == "string" and (.verdict|IN("ok","warn","fail")) and (.fail|type) == "number" and has("top")' "$J"
expect_one_line_error "diagnose: --upload and --post-policy both" 2 'give one' inns "$NR" diagnose --upload https://x/y --post-policy "$W/gcs.json"
