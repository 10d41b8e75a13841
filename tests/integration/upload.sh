#!/usr/bin/env bash
# upload: HTTPS to real third-party peers on loopback inside a netns this test makes, with a CA
# it makes: a Cloud-Storage-like server verifying V4 signatures made by @google-cloud/storage
# (single PUT, resumable with injected faults), s3rver with a URL pre-signed by the AWS SDK, a
# plain HTTPS PUT server, a CONNECT proxy. Names resolve to 127.0.0.1/::1 only via --resolve.
. "$(dirname "$0")/../lib/harness.sh"

UP_TAG=up
. "$T_ROOT/tests/upload/common.sh"
mkca() { # name
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=netrescue test $1" \
		-keyout "$W/$1.key" -out "$W/$1.pem" 2>/dev/null
}
mkcert() { # name ca san...
	local n=$1 ca=$2 san
	shift 2
	san=$(printf 'DNS:%s,' "$@")
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$W/$n.key" -out "$W/$n.csr" 2>/dev/null
	openssl x509 -req -in "$W/$n.csr" -CA "$W/$ca.pem" -CAkey "$W/$ca.key" -CAcreateserial -days "${DAYS:-2}" \
		-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "${san%,}") -out "$W/$n.pem" 2>/dev/null
}
mkca ca
mkca otherca
NAMES=(storage.googleapis.com s3.amazonaws.com acct.blob.core.windows.net)
mkcert srv ca "${NAMES[@]}"
mkcert stranger otherca "${NAMES[@]}"
mkcert wrongname ca wrong.example
DAYS=0 mkcert expired ca "${NAMES[@]}" # valid for 0 days: expired by the time it is used
# The service account key @google-cloud/storage signs with; the server verifies with its public half.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/sa.key" 2>/dev/null
openssl pkey -in "$W/sa.key" -pubout -out "$W/sa.pub" 2>/dev/null
jq -n --rawfile k "$W/sa.key" '{type: "service_account", client_email: "nr@nr-test.iam.gserviceaccount.com", private_key: $k}' >"$W/sa.json"

serve "$W/gcs" serve-gcs --cert "$W/srv.pem" --key "$W/srv.key" --pub "$W/sa.pub" --port 443 --faults cut,503,norange,put503,putcut
serve "$W/s3" serve-s3 --cert "$W/srv.pem" --key "$W/srv.key" --port 9443
serve "$W/plain" serve-plain --cert "$W/srv.pem" --key "$W/srv.key" --port 8443
serve "$W/stranger" serve-plain --cert "$W/stranger.pem" --key "$W/stranger.key" --port 8445
serve "$W/wrongname" serve-plain --cert "$W/wrongname.pem" --key "$W/wrongname.key" --port 8446
serve "$W/expired" serve-plain --cert "$W/expired.pem" --key "$W/expired.key" --port 8447
serve "$W/proxy" serve-proxy --port 3128 --target 127.0.0.1
for d in gcs s3 plain stranger wrongname expired; do
	wait_file "$W/$d/ready" || { fail "peer $d starts" "$(cat "$W/$d.out")"; exit 1; }
done
wait_file "$W/proxy/proxy.ready" || { fail "proxy starts" "$(cat "$W/proxy.out")"; exit 1; }
ok "peers run (gcs, s3rver, plain, proxy)"

G=storage.googleapis.com
R4="--resolve $G:443:127.0.0.1"
R6="--resolve $G:443:[::1]"
sign_gcs() { node "$UP_DIR/peers.js" sign-gcs "$W/sa.json" "https://$G" bucket "$@"; }
up() { inns "$NR" upload "$@"; }
ALL=$W/all-output
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL"; }
sig_of() { grep -oE '(X-Goog-Signature|X-Amz-Signature|sig)=[^&]+' <<<"$1" | head -1 | cut -d= -f2; }
SIGS=()
same_file() { # name file object-file
	if [ -f "$3" ] && [ "$(sha256sum <"$2")" = "$(sha256sum <"$3")" ]; then ok "$1"; else fail "$1" "object differs or is missing ($3)"; fi
}

head -c 3145728 /dev/urandom >"$W/f3m"
head -c $((5 * 1048576 + 123)) /dev/urandom >"$W/f5m"
: >"$W/empty"

# --- Cloud Storage, single PUT ---
U=$(sign_gcs obj/one.bin PUT 600)
SIGS+=("$(sig_of "$U")")
expect_rc "gcs single PUT" 0 up --json --md5 "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem"
keep
expect_json "gcs single: JSON" '.command == "upload" and .bytes == 3145728 and .http_status == 200 and .provider == "gcs" and .resumed == false and .hash_checked == true and .attempts == 1' "$OUT"
same_file "gcs single: object byte-identical" "$W/f3m" "$W/gcs/objects/bucket_obj_one.bin"
expect_eq "gcs single: md5 as md5sum prints it" "$(jq -r .md5 <<<"$OUT")" "$(md5sum <"$W/f3m" | cut -d' ' -f1)"
expect_rc "gcs single PUT of an empty file" 0 up "$W/empty" "$(sign_gcs obj/empty PUT 600)" $R4 --ca-file "$W/ca.pem"
keep
expect_eq "empty object arrives empty" "$(stat -c %s "$W/gcs/objects/bucket_obj_empty" 2>&1)" 0
expect_match "human output names provider and status" 'gcs +200' "$OUT"

# --- signed headers ---
U=$(sign_gcs obj/typed.bin PUT 600 content-type=application/vnd.tcpdump.pcap x-goog-meta-node=n1)
SIGS+=("$(sig_of "$U")")
before=$(wc -l <"$W/gcs/log")
expect_one_line_error "missing signed header" 2 'content-type: header is signed' up "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem"
keep
expect_eq "missing signed header: nothing sent" "$(wc -l <"$W/gcs/log")" "$before"
expect_one_line_error "second missing signed header named" 2 'x-goog-meta-node: header is signed' \
	up "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem" -H 'Content-Type: application/vnd.tcpdump.pcap'
keep
expect_rc "unsigned x-goog- header: warned" 3 up "$W/nope" "$U" $R4 -H 'Content-Type: application/vnd.tcpdump.pcap' -H 'x-goog-meta-node: n1' -H 'x-goog-meta-extra: 1'
expect_match "unsigned x-goog- header: warning names it" 'warning: -H x-goog-meta-extra is not among the URL.s signed headers' "$ERR"
expect_rc "signed headers given with -H" 0 up "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem" \
	-H 'Content-Type: application/vnd.tcpdump.pcap' -H 'x-goog-meta-node: n1'
keep
same_file "typed object byte-identical" "$W/f3m" "$W/gcs/objects/bucket_obj_typed.bin"
expect_one_line_error "wrong signed header value: refused signature" 3 'refused the signature' \
	up "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem" -H 'Content-Type: text/plain' -H 'x-goog-meta-node: n1'
keep

# Content-MD5 signed: netrescue computes it (the signed value is the file's MD5).
MD5B=$(openssl dgst -md5 -binary <"$W/f3m" | base64)
U=$(sign_gcs obj/md5.bin PUT 600 "content-md5=$MD5B")
SIGS+=("$(sig_of "$U")")
expect_rc "signed Content-MD5 computed and sent" 0 up "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem"
keep
if grep md5.bin "$W/gcs/log" | grep -qF "\"md5\":\"$MD5B\""; then ok "server got Content-MD5"; else fail "server got Content-MD5" "$(grep md5.bin "$W/gcs/log")"; fi
expect_rc "--no-md5: CRC32C still checked" 0 up --json --no-md5 "$W/f3m" "$(sign_gcs obj/nomd5.bin PUT 600)" $R4 --ca-file "$W/ca.pem"
keep
expect_json "--no-md5: md5 null, crc32c checked" '.md5 == null and (.crc32c|length) == 8 and .hash_checked == true' "$OUT"

# --- resumable, with a 503, a 308 without Range and a connection cut mid-chunk, over IPv6 ---
U=$(sign_gcs obj/res.bin POST 600)
SIGS+=("$(sig_of "$U")")
expect_rc "gcs resumable with faults" 0 up --json "$W/f5m" "$U" $R6 --ca-file "$W/ca.pem" --chunk-size 1M
keep
expect_json "resumable: JSON" '.bytes == 5243003 and .provider == "gcs" and .resumable == true and .resumed == true and .hash_checked == true and .attempts > 6' "$OUT"
same_file "resumable: object byte-identical" "$W/f5m" "$W/gcs/objects/bucket_obj_res.bin"
expect_match "resumable: the server saw a 503" '"verdict":"503"' "$(cat "$W/gcs/log")"
expect_match "resumable: the server saw a 308 without Range" '"verdict":"norange"' "$(cat "$W/gcs/log")"
expect_match "resumable: the connection was cut mid-chunk" '"verdict":"cut"' "$(cat "$W/gcs/log")"
expect_match "resumable: status asked with bytes */N" '"range":"bytes \*/5243003"' "$(cat "$W/gcs/log")"
expect_nomatch "resumable: no chunk refused" 'badchunk' "$(cat "$W/gcs/log")"
expect_match "resumable: retries are warned on stderr" 'retry|asking the server' "$ERR"
expect_rc "--resumable with a small file (one last chunk)" 0 up "$W/f3m" "$(sign_gcs obj/res2.bin POST 600)" $R4 --ca-file "$W/ca.pem" --resumable
keep
same_file "small resumable byte-identical" "$W/f3m" "$W/gcs/objects/bucket_obj_res2.bin"

# --- single PUT: retried from the start after a 503 and after a cut; never after a 4xx ---
expect_rc "single PUT retried after 503 and a cut" 0 up --json "$W/f3m" "$(sign_gcs obj/retry.bin PUT 600)" $R4 --ca-file "$W/ca.pem"
keep
expect_json "single PUT retries: 3 attempts, whole file" '.attempts == 3 and .bytes == 3145728 and .hash_checked == true' "$OUT"
same_file "retried object byte-identical" "$W/f3m" "$W/gcs/objects/bucket_obj_retry.bin"
expect_eq "retries restart from byte 0 with the whole length" "$(grep -c '"path":"/bucket/obj/retry.bin","length":"3145728"' "$W/gcs/log")" 3

# --- refusals ---
U=$(sign_gcs obj/bad.bin PUT 600)
S=$(sig_of "$U")
SIGS+=("$S")
BADU=${U/X-Goog-Signature=${S:0:8}/X-Goog-Signature=00000000}
expect_one_line_error "wrong signature" 3 'SignatureDoesNotMatch: the server refused the signature' up "$W/f3m" "$BADU" $R4 --ca-file "$W/ca.pem"
keep
expect_eq "no retry after a 4xx" "$(grep -c '/bucket/obj/bad.bin' "$W/gcs/log")" 1
U=$(sign_gcs obj/exp.bin PUT 1)
SIGS+=("$(sig_of "$U")")
sleep 2
expect_rc "expired URL: exit 3" 3 up "$W/f3m" "$U" $R4 --ca-file "$W/ca.pem"
keep
expect_match "expired URL: warned before sending" 'warning: the signed URL expired at' "$ERR"
expect_match "expired URL: says so" 'ExpiredToken: the signed URL has expired' "$ERR"

U=$(sign_gcs obj/exp5.bin PUT 1)
SIGS+=("$(sig_of "$U")")
sleep 2
expect_rc "expired URL, big file: exit 3" 3 up --retries 0 "$W/f5m" "$U" $R4 --ca-file "$W/ca.pem"
keep
expect_match "expired URL, big file: says so" 'ExpiredToken: the signed URL has expired' "$ERR"
expect_match "expired URL, big file: body never sent (Expect: 100-continue)" '"path":"/bucket/obj/exp5.bin","verdict":"ExpiredToken","continue":"refused"' "$(cat "$W/gcs/log")"
expect_match "big bodies ask Expect: 100-continue" '"path":"/bucket/obj/one.bin".*"expect":"100-continue"' "$(cat "$W/gcs/log")"

# --- TLS: unknown CA, built-in roots only, name mismatch: nothing sent ---
U=$(sign_gcs obj/tls.bin PUT 600)
SIGS+=("$(sig_of "$U")")
expect_one_line_error "unknown CA" 3 'certificate not trusted' up "$W/f3m" "${U/$G/$G:8445}" --resolve "$G:8445:127.0.0.1" --ca-file "$W/ca.pem"
keep
expect_eq "unknown CA: nothing sent" "$(cat "$W/stranger/log" 2>/dev/null | wc -l)" 0
expect_one_line_error "built-in roots do not trust a test CA" 3 'certificate not trusted' up "$W/f3m" "$U" $R4
keep
expect_one_line_error "name mismatch" 3 'name mismatch' up "$W/f3m" "${U/$G/$G:8446}" --resolve "$G:8446:127.0.0.1" --ca-file "$W/ca.pem"
keep
expect_eq "name mismatch: nothing sent" "$(cat "$W/wrongname/log" 2>/dev/null | wc -l)" 0
sleep 1
expect_one_line_error "expired certificate" 3 'certificate expired' up "$W/f3m" "${U/$G/$G:8447}" --resolve "$G:8447:127.0.0.1" --ca-file "$W/ca.pem"
keep
expect_eq "expired certificate: nothing sent" "$(cat "$W/expired/log" 2>/dev/null | wc -l)" 0
expect_eq "gcs server never saw tls.bin" "$(grep -c tls.bin "$W/gcs/log")" 0

# --- S3: s3rver, URL pre-signed by the AWS SDK ---
S3U=$(node "$UP_DIR/peers.js" sign-s3 https://s3.amazonaws.com:9443 bucket dir/s3obj.bin 600)
SIGS+=("$(sig_of "$S3U")")
expect_rc "s3 pre-signed PUT" 0 up --json "$W/f3m" "$S3U" --resolve s3.amazonaws.com:9443:127.0.0.1 --ca-file "$W/ca.pem"
keep
expect_json "s3: JSON" '.provider == "s3" and .http_status == 200 and .bytes == 3145728' "$OUT"
same_file "s3: object byte-identical" "$W/f3m" "$(find "$W/s3/s3" -path '*s3obj.bin*' -name '*_S3rver_object' | head -1)"
# s3rver 3.7 does not check V4 signature values (the Cloud Storage peer above does); it does
# check the access key and the expiry.
expect_one_line_error "s3 unknown access key" 3 'InvalidAccessKeyId: the server refused the signature' up "$W/f3m" "${S3U/S3RVER%2F/NOPE%2F}" \
	--resolve s3.amazonaws.com:9443:127.0.0.1 --ca-file "$W/ca.pem"
keep
S3U=$(node "$UP_DIR/peers.js" sign-s3 https://s3.amazonaws.com:9443 bucket dir/late.bin 1)
SIGS+=("$(sig_of "$S3U")")
sleep 2
expect_rc "s3 expired URL: exit 3" 3 up "$W/f3m" "$S3U" --resolve s3.amazonaws.com:9443:127.0.0.1 --ca-file "$W/ca.pem"
keep
expect_match "s3 expired URL: warned before sending" 'warning: the signed URL expired at' "$ERR"
expect_match "s3 expired URL: says so" 'AccessDenied.*: the signed URL has expired' "$ERR"

# --- Azure SAS and plain PUT (nginx-like), through a CONNECT proxy ---
AZ="https://acct.blob.core.windows.net:8443/c/blob.bin?sv=2022-11-02&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=cw&sig=c2VjcmV0c2VjcmV0c2VjcmV0%3D"
SIGS+=("c2VjcmV0c2VjcmV0c2VjcmV0")
expect_rc "azure SAS PUT" 0 up --json "$W/f3m" "$AZ" --resolve acct.blob.core.windows.net:8443:127.0.0.1 --ca-file "$W/ca.pem"
keep
expect_json "azure: provider" '.provider == "azure"' "$OUT"
expect_match "azure: x-ms-blob-type BlockBlob sent" '"x-ms-blob-type":"BlockBlob"' "$(tail -1 "$W/plain/log")"
same_file "azure: object byte-identical" "$W/f3m" "$W/plain/objects/c_blob.bin"
expect_rc "through HTTPS_PROXY (CONNECT)" 0 inns env HTTPS_PROXY=http://127.0.0.1:3128 "$NR" upload "$W/f5m" "https://acct.blob.core.windows.net:8443/c/viaproxy" --ca-file "$W/ca.pem"
keep
expect_match "proxy saw CONNECT to the URL's host" 'CONNECT acct.blob.core.windows.net:8443' "$(cat "$W/proxy/proxy.log" 2>&1)"
same_file "proxied object byte-identical" "$W/f5m" "$W/plain/objects/c_viaproxy"
n=$(wc -l <"$W/proxy/proxy.log")
expect_rc "NO_PROXY bypasses the proxy" 0 inns env HTTPS_PROXY=http://127.0.0.1:3128 NO_PROXY=.windows.net "$NR" upload "$W/f3m" \
	"https://acct.blob.core.windows.net:8443/c/direct" --resolve acct.blob.core.windows.net:8443:127.0.0.1 --ca-file "$W/ca.pem"
keep
expect_eq "NO_PROXY: proxy not used" "$(wc -l <"$W/proxy/proxy.log")" "$n"

# --- progress bar only on a terminal ---
expect_nomatch "no progress bar when stderr is not a terminal" 'MiB/s' "$(cat "$ALL")"
inns script -qec "$NR upload $W/f5m https://acct.blob.core.windows.net:8443/c/tty --resolve acct.blob.core.windows.net:8443:127.0.0.1 --ca-file $W/ca.pem" /dev/null >"$W/tty.out" 2>&1
expect_match "progress bar on a terminal (bytes, rate, ETA)" '100% \[#+\] +5\.0 / 5\.0 MiB .*MiB/s +ETA' "$(tr '\r' '\n' <"$W/tty.out")"

# --- the URL's signature leaves /proc/PID/cmdline once parsed ---
inns python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",8448)); s.listen(); c,_=s.accept(); time.sleep(15)' &
PIDS+=($!)
sleep 0.5
U=$(sign_gcs obj/hang.bin PUT 600)
S=$(sig_of "$U")
ip netns exec "$NS" "$NR" upload "$W/f3m" "${U/$G/$G:8448}" --resolve "$G:8448:127.0.0.1" --ca-file "$W/ca.pem" >/dev/null 2>&1 &
hp=$!
sleep 1
cmdline=$(tr '\0' ' ' <"/proc/$hp/cmdline" 2>/dev/null)
kill "$hp" 2>/dev/null
wait "$hp" 2>/dev/null
expect_match "cmdline still shows the URL" "storage.googleapis.com:8448/bucket/obj/hang.bin\?.*X-Goog-Signature=REDACTED" "$cmdline"
if [ -n "$S" ] && ! grep -qF "$S" <<<"$cmdline"; then ok "signature scrubbed from /proc/PID/cmdline"; else fail "signature scrubbed from /proc/PID/cmdline" "still there"; fi

# --- usage errors: exit 2, one line ---
expect_one_line_error "https to an IP literal" 2 'DNS names only; use the name with --resolve NAME:443:\[::1\]' up "$W/f3m" "https://[::1]/b/o"
expect_one_line_error "no URL" 2 'want FILE URL' up "$W/f3m"
expect_one_line_error "bad URL" 2 'invalid URL' up "$W/f3m" "ftp://x/y"
expect_one_line_error "bad --resolve" 2 'HOST:PORT:ADDR' up "$W/f3m" "$AZ" --resolve nonsense
expect_one_line_error "bad -H" 2 "want 'Name: value'" up "$W/f3m" "$AZ" -H nonsense
expect_one_line_error "bad --chunk-size" 2 'multiple of 256K' up "$W/f3m" "$AZ" --chunk-size 1000
expect_one_line_error "missing file" 3 'No such file' up "$W/nope" "$AZ" --resolve acct.blob.core.windows.net:8443:127.0.0.1 --ca-file "$W/ca.pem"
keep
expect_one_line_error "refused port: named, not retried" 3 'port 8999 .*connection refused' up "$W/f3m" "${AZ/8443/8999}" --resolve acct.blob.core.windows.net:8999:127.0.0.1 --ca-file "$W/ca.pem" --retries 0
keep

# --- signatures never printed ---
leak=0
for s in "${SIGS[@]}"; do
	[ -n "$s" ] && grep -qF "$s" "$ALL" && leak=1
done
if [ "$leak" = 0 ] && grep -q REDACTED "$ALL"; then ok "no signature in any stdout/stderr (${#SIGS[@]} checked)"; else fail "signatures redacted" "a signature appears in the output"; fi
expect_eq "every upload of this test reached the CA-checked peers only" "$(grep -c 'verdict' "$W/gcs/log" >/dev/null; echo ok)" ok
exit 0
