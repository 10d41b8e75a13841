#!/usr/bin/env bash
# upload, hardened (issue 16): secrets never on the command line, in output, JSON or bundles;
# proxies with Basic auth and deny rules (Debian squid); Azure SAS through Azurite (incl.
# expired); S3 ETag and Azure Content-MD5 checked, also against a store that reports a wrong
# hash; Ctrl-C during a resumable upload and the resume by a second run; redirects, stalls,
# refused connections, plain http://, --json on failure. All peers on loopback in a netns
# this test makes, with a CA it makes.
. "$(dirname "$0")/../lib/harness.sh"

UP_TAG=uph
. "$T_ROOT/tests/upload/common.sh"
command -v squid >/dev/null || { fail "squid installed" "apt-get install squid"; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=netrescue test ca" \
	-keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=srv" -keyout "$W/srv.key" -out "$W/srv.csr" 2>/dev/null
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile <(printf 'subjectAltName=DNS:storage.googleapis.com,DNS:s3.amazonaws.com,DNS:acct.blob.core.windows.net\nextendedKeyUsage=serverAuth\n') \
	-out "$W/srv.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/sa.key" 2>/dev/null
openssl pkey -in "$W/sa.key" -pubout -out "$W/sa.pub" 2>/dev/null
jq -n --rawfile k "$W/sa.key" '{type: "service_account", client_email: "nr@nr-test.iam.gserviceaccount.com", private_key: $k}' >"$W/sa.json"

CERT=(--cert "$W/srv.pem" --key "$W/srv.key")
serve "$W/gcs" serve-gcs "${CERT[@]}" --pub "$W/sa.pub" --port 443 --faults slow
serve "$W/plain" serve-plain "${CERT[@]}" --port 8443
serve "$W/s3" serve-s3 "${CERT[@]}" --port 9443
serve "$W/s3bad" serve-mitm "${CERT[@]}" --port 9444 --target-port 9443 --faults badhash
serve "$W/azbad" serve-mitm "${CERT[@]}" --port 10444 --target-port 10443 --faults badhash
mkdir -p "$W/azurite"
inns node "$UP_DIR/node_modules/azurite/dist/src/blob/main.js" --blobHost 127.0.0.1 --blobPort 10443 "${CERT[@]}" \
	--silent --skipApiVersionCheck --disableProductStyleUrl --disableTelemetry --inMemoryPersistence \
	>"$W/azurite.out" 2>&1 &
PIDS+=($!)
# A server that accepts and never says a word (a stalled TLS peer).
inns python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",8450)); s.listen(8)
c=[]
while True: c.append(s.accept())' &
PIDS+=($!)

# squid: Basic auth (basic_ncsa_auth, a password file made with openssl) and a deny rule.
SQ=$W/squid
mkdir -p "$SQ"
PROXYPASS=Pr0xyPa55w0rd$$
printf 'nruser:%s\n' "$(openssl passwd -1 "$PROXYPASS")" >"$SQ/passwd"
printf '127.0.0.1 storage.googleapis.com s3.amazonaws.com acct.blob.core.windows.net\n' >"$SQ/hosts"
cat >"$SQ/squid.conf" <<CONF
http_port 127.0.0.1:3129
visible_hostname nrtest
pid_filename $SQ/squid.pid
cache_log $SQ/cache.log
access_log stdio:$SQ/access.log
coredump_dir $SQ
cache deny all
hosts_file $SQ/hosts
dns_nameservers 127.0.0.1
shutdown_lifetime 1 seconds
auth_param basic program /usr/lib/squid/basic_ncsa_auth $SQ/passwd
auth_param basic realm netrescue-test
acl blocked dstdomain s3.amazonaws.com
acl authed proxy_auth REQUIRED
http_access deny blocked
http_access allow authed
http_access deny all
CONF
chmod 711 "$W"
chown -R proxy "$SQ" 2>/dev/null
inns squid -N -f "$SQ/squid.conf" >"$W/squid.out" 2>&1 &
PIDS+=($!)

for d in gcs plain s3 s3bad azbad; do
	wait_file "$W/$d/ready" || { fail "peer $d starts" "$(cat "$W/$d.out")"; exit 1; }
done
for i in $(seq 1 100); do
	inns ss -ltn | grep -q '127.0.0.1:3129 ' && inns ss -ltn | grep -q '127.0.0.1:10443 ' && break
	sleep 0.1
done
inns ss -ltn | grep -q '127.0.0.1:3129 ' || { fail "squid starts" "$(cat "$W/squid.out" "$SQ/cache.log" 2>&1 | tail -5)"; exit 1; }
inns ss -ltn | grep -q '127.0.0.1:10443 ' || { fail "azurite starts" "$(tail -5 "$W/azurite.out")"; exit 1; }
ok "peers run (gcs, plain, s3rver, azurite, two hash-corrupting front ends, squid)"

G=storage.googleapis.com
RG="--resolve $G:443:127.0.0.1"
CA="--ca-file $W/ca.pem"
up() { inns "$NR" upload "$@"; }
sign_gcs() { node "$UP_DIR/peers.js" sign-gcs "$W/sa.json" "https://$G" bucket "$@"; }
sig_of() { grep -oE '(X-Goog-Signature|X-Amz-Signature|sig)=[^&]+' <<<"$1" | head -1 | cut -d= -f2; }
ALL=$W/all-output
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL"; }
SECRETS=("$PROXYPASS")
secret() { SECRETS+=("$1"); }
same_file() { if [ -f "$3" ] && cmp -s "$2" "$3"; then ok "$1"; else fail "$1" "object differs or is missing ($3)"; fi; }
head -c 3145728 /dev/urandom >"$W/f3m"
head -c 12582912 /dev/urandom >"$W/f12m"
cp "$W/f12m" "$W/slow.bin"

# --- plain http:// is refused unless --insecure-http ---
U=$(sign_gcs obj/clear.bin PUT 600)
secret "$(sig_of "$U")"
expect_one_line_error "plain http:// refused" 2 'plain http:// would send the file and the URL in clear text' up "$W/f3m" "${U/https:/http:}"
keep
expect_one_line_error "--insecure-http lets it through (then nothing listens)" 3 'connection refused' \
	up --insecure-http "$W/f3m" "http://$G:8999/b/o" --resolve "$G:8999:127.0.0.1"
keep

# --- a refused connection: named, not retried ---
t0=$(date +%s%N)
expect_rc "refused connection: exit 3" 3 up --json "$W/f3m" "https://$G:8999/b/o" --resolve "$G:8999:127.0.0.1" $CA
keep
t1=$(date +%s%N)
expect_json "refused: one JSON document with the error, one attempt" '.error.message | test("connection refused")' "$OUT"
expect_json "refused: not retried" '.attempts == 1' "$OUT"
expect_eq "refused: answered at once (< 2 s)" "$(( (t1 - t0) / 1000000000 < 2 ))" 1
expect_nomatch "refused: never called a lost connection" 'connection lost|retrying' "$ERR"

# --- the URL never on the command line: --url-file, stdin; argv wiped first thing ---
U=$(sign_gcs obj/slow-argv.bin POST 600)
S=$(sig_of "$U")
secret "$S"
printf '%s\n' "$U" >"$W/url.txt"
TOKEN=T0kenSecret$$
secret "$TOKEN"
samp() { inns env SAMPLER_SECRETS="$S,$TOKEN,$PROXYPASS" ${SAMPLER_STDIN+SAMPLER_STDIN="$SAMPLER_STDIN"} python3 "$UP_DIR/sampler.py" "$W/s.out" "$W/s.err" "$@"; }
J=$(samp -- "$NR" upload "$W/f12m" "$U" $RG $CA --chunk-size 256K -H "Authorization: Bearer $TOKEN")
OUT=$(cat "$W/s.out"); ERR=$(cat "$W/s.err"); keep
expect_json "argv URL: upload done" '.rc == 0 and .samples > 20' "$J"
expect_json "argv URL: never raw in /proc/PID/cmdline once netrescue runs ($(jq -r '"\(.samples) samples, \(.raw_before_redaction) before main"' <<<"$J"))" \
	'.raw_after_redaction == 0 and .redacted_seen' "$J"
J=$(samp -- "$NR" upload "$W/f12m" --url-file "$W/url.txt" $RG $CA --chunk-size 256K)
OUT=$(cat "$W/s.out"); ERR=$(cat "$W/s.err"); keep
expect_json "--url-file: the signature never in /proc/PID/cmdline nor ps, from the first read" \
	'.rc == 0 and .raw_before_redaction == 0 and .raw_after_redaction == 0 and .ps_hits == 0 and .samples > 20' "$J"
J=$(SAMPLER_STDIN=$U samp -- "$NR" upload "$W/f12m" - $RG $CA --chunk-size 256K)
OUT=$(cat "$W/s.out"); ERR=$(cat "$W/s.err"); keep
expect_json "URL from stdin (-): never in /proc/PID/cmdline nor ps" \
	'.rc == 0 and .raw_before_redaction == 0 and .raw_after_redaction == 0 and .ps_hits == 0' "$J"
expect_rc "--url-file with an empty file: usage error" 2 up "$W/f3m" --url-file /dev/null
expect_match "help says how to keep the URL off the command line" '--url-file F' "$("$NR" help upload)"
expect_match "capture help names --url-file" '--url-file F' "$("$NR" help capture)"
expect_match "diagnose help names --url-file" '--url-file F' "$("$NR" help diagnose)"

# capture --upload and diagnose --upload: the same wipe, the same --url-file.
AZP="https://acct.blob.core.windows.net:8443/c/cap.pcap?sv=2022-11-02&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=cw&sig=Q2FwdHVyZVNpZw$$"
secret "Q2FwdHVyZVNpZw$$"
J=$(inns env SAMPLER_SECRETS="Q2FwdHVyZVNpZw$$" python3 "$UP_DIR/sampler.py" "$W/s.out" "$W/s.err" -- "$NR" capture -i lo --duration 2 \
	--upload "$AZP" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA -w "$W/cap.pcap")
OUT=$(cat "$W/s.out"); ERR=$(cat "$W/s.err"); keep
expect_json "capture --upload URL: uploaded, never raw in cmdline once running" '.rc == 0 and .raw_after_redaction == 0 and .redacted_seen' "$J"
same_file "capture --upload: the pcap arrived" "$W/cap.pcap" "$W/plain/objects/c_cap.pcap"
printf '%s\n' "${AZP/cap.pcap/cap2.pcap}" >"$W/azurl.txt"
J=$(inns env SAMPLER_SECRETS="Q2FwdHVyZVNpZw$$" python3 "$UP_DIR/sampler.py" "$W/s.out" "$W/s.err" -- "$NR" capture -i lo --duration 1 \
	--url-file "$W/azurl.txt" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA -w "$W/cap2.pcap")
OUT=$(cat "$W/s.out"); ERR=$(cat "$W/s.err"); keep
expect_json "capture --url-file: never in cmdline nor ps" '.rc == 0 and .raw_before_redaction == 0 and .raw_after_redaction == 0 and .ps_hits == 0' "$J"

# diagnose --bundle --upload: the bundle's process view holds no secret, ours or another's.
LEAK=LeakySig$$
secret "$LEAK"
inns bash -c "exec -a 'curl -T f https://$G/b/o?X-Goog-Signature=$LEAK -H Authorization: Bearer $TOKEN' sleep 60" &
PIDS+=($!)
DZ="https://acct.blob.core.windows.net:8443/c/nr.tgz?sv=2022-11-02&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=cw&sig=RGlhZ25vc2VTaWc$$"
secret "RGlhZ25vc2VTaWc$$"
J=$(inns env SAMPLER_SECRETS="RGlhZ25vc2VTaWc$$,$PROXYPASS" python3 "$UP_DIR/sampler.py" "$W/s.out" "$W/s.err" -- "$NR" --json diagnose --since 1m \
	--bundle "$W/b.tgz" --upload "$DZ" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA)
OUT=$(cat "$W/s.out"); ERR=$(cat "$W/s.err"); keep
expect_json "diagnose --upload URL: never raw in cmdline once running" '.raw_after_redaction == 0 and .redacted_seen' "$J"
expect_json "diagnose: bundle uploaded" '.upload.done == true' "$OUT"
mkdir -p "$W/bx" && tar -xzf "$W/b.tgz" -C "$W/bx" 2>/dev/null
expect_match "bundle has a process view" 'upload' "$(cat "$W"/bx/views/processes.txt 2>&1)"
leak=0
for s in "RGlhZ25vc2VTaWc$$" "$LEAK" "$TOKEN"; do grep -rqF "$s" "$W/bx" && leak=1; done
expect_eq "bundle: no signature or token in any view (ours or another process's)" "$leak" 0
expect_match "bundle: other processes' signed URLs shown redacted" "X-Goog-Signature=REDACTED -H Authorization: REDACTED" "$(cat "$W"/bx/views/processes.txt)"

# --- proxies: squid with Basic auth, a deny rule, the environment ---
U=$(sign_gcs obj/viasquid.bin PUT 600)
secret "$(sig_of "$U")"
expect_rc "through squid with user:password" 0 up --json "$W/f3m" "$U" $CA --proxy "http://nruser:$PROXYPASS@127.0.0.1:3129"
keep
same_file "through squid: object arrived" "$W/f3m" "$W/gcs/objects/bucket_obj_viasquid.bin"
expect_match "squid logged the CONNECT as nruser" 'CONNECT storage.googleapis.com:443 nruser' "$(cat "$SQ/access.log")"
expect_one_line_error "squid without credentials: 407 named" 3 'HTTP 407.*wants a user name and password' \
	up "$W/f3m" "$U" $CA --proxy http://127.0.0.1:3129
keep
expect_one_line_error "squid with a wrong password: 407, said so" 3 'HTTP 407 \(user name and password given, refused\)' \
	up "$W/f3m" "$U" $CA --proxy "http://nruser:wrong$PROXYPASS@127.0.0.1:3129"
keep
expect_one_line_error "squid deny rule: 403 named, not 407" 3 'CONNECT s3.amazonaws.com:9443: HTTP 403.*rules forbid' \
	up "$W/f3m" "https://s3.amazonaws.com:9443/bucket/x?X-Amz-Signature=00" $CA --proxy "http://nruser:$PROXYPASS@127.0.0.1:3129"
keep
expect_rc "https_proxy with credentials" 0 inns env -u HTTPS_PROXY https_proxy="http://nruser:$PROXYPASS@127.0.0.1:3129" "$NR" upload "$W/f3m" "$U" $CA
keep
n=$(grep -c nruser "$SQ/access.log")
expect_rc "ALL_PROXY when no scheme proxy is set" 0 inns env -u https_proxy -u HTTPS_PROXY ALL_PROXY="http://nruser:$PROXYPASS@127.0.0.1:3129" "$NR" upload "$W/f3m" "$U" $CA
keep
expect_eq "ALL_PROXY: squid carried it" "$(grep -c nruser "$SQ/access.log")" "$((n + 1))"
expect_rc "NO_PROXY wins over ALL_PROXY" 0 inns env ALL_PROXY=http://127.0.0.1:1 NO_PROXY=googleapis.com "$NR" upload "$W/f3m" "$U" $CA $RG
keep
expect_rc "a bad proxy URL: usage error, password not echoed" 2 up "$W/f3m" "$U" $CA --proxy "https://nruser:$PROXYPASS@127.0.0.1:3129"
keep
expect_rc "wrong proxy password in JSON mode: one document" 3 up --json "$W/f3m" "$U" $CA --proxy "http://nruser:x$PROXYPASS@127.0.0.1:3129"
keep
expect_json "407 in JSON: error message names it" '.error.message | test("407")' "$OUT"

# --- Azure SAS through Azurite: Content-MD5 checked; expired SAS warned and named ---
AK='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
AB=https://acct.blob.core.windows.net:10443/devstoreaccount1
RA="--resolve acct.blob.core.windows.net:10443:127.0.0.1"
inns node "$UP_DIR/peers.js" azure-container devstoreaccount1 "$AK" "$AB" nrtest >"$W/azc.out" 2>&1 || fail "azurite container" "$(cat "$W/azc.out")"
AU=$(node "$UP_DIR/peers.js" sign-azure devstoreaccount1 "$AK" "$AB" nrtest blob.bin 600)
secret "$(sig_of "$AU")"
expect_rc "azurite: SAS PUT" 0 up --json "$W/f3m" "$AU" $RA $CA
keep
expect_json "azurite: provider azure, Content-MD5 checked" '.provider == "azure" and .hash_checked == true and .checked_by == "Content-MD5"' "$OUT"
expect_eq "azurite: md5 as md5sum prints it" "$(jq -r .md5 <<<"$OUT")" "$(md5sum <"$W/f3m" | cut -d' ' -f1)"
BADSIG=${AU/sig=/sig=AAAA}
expect_one_line_error "azurite: a wrong SAS signature refused" 3 'HTTP 403' up "$W/f3m" "$BADSIG" $RA $CA
keep
AX=$(node "$UP_DIR/peers.js" sign-azure devstoreaccount1 "$AK" "$AB" nrtest late.bin -120)
secret "$(sig_of "$AX")"
expect_rc "azurite: expired SAS: exit 3" 3 up "$W/f3m" "$AX" $RA $CA
keep
expect_match "expired SAS: warned before sending (se=)" 'warning: the signed URL expired at .* \(SAS se=\)' "$ERR"
expect_match "expired SAS: named expired, not access denied" 'HTTP 403.*SAS se=.*the signed URL has expired' "$ERR"
AU2=$(node "$UP_DIR/peers.js" sign-azure devstoreaccount1 "$AK" "${AB/10443/10444}" nrtest corrupt.bin 600)
secret "$(sig_of "$AU2")"
expect_one_line_error "azure: a store reporting a wrong Content-MD5 is caught" 3 "Content-MD5 .*, ours .*checksum differs" \
	up "$W/f3m" "$AU2" --resolve acct.blob.core.windows.net:10444:127.0.0.1 $CA
keep

# --- S3: ETag checked (s3rver), and a wrong one caught ---
S3U=$(node "$UP_DIR/peers.js" sign-s3 https://s3.amazonaws.com:9443 bucket etag.bin 600)
secret "$(sig_of "$S3U")"
expect_rc "s3: PUT" 0 up --json "$W/f3m" "$S3U" --resolve s3.amazonaws.com:9443:127.0.0.1 $CA
keep
expect_json "s3: ETag checked" '.hash_checked == true and .checked_by == "ETag md5"' "$OUT"
S3B=$(node "$UP_DIR/peers.js" sign-s3 https://s3.amazonaws.com:9444 bucket corrupt.bin 600)
secret "$(sig_of "$S3B")"
expect_one_line_error "s3: a store reporting a wrong ETag is caught" 3 'ETag 0123456789abcdef0123456789abcdef, ours' \
	up "$W/f3m" "$S3B" --resolve s3.amazonaws.com:9444:127.0.0.1 $CA
keep
expect_rc "s3: --content-md5 sends it (s3rver checks it)" 0 up --content-md5 "$W/f3m" "${S3U/etag.bin/cmd5.bin}" --resolve s3.amazonaws.com:9443:127.0.0.1 $CA
keep

# --- Ctrl-C during a resumable upload, resumed by the next run ---
U=$(sign_gcs obj/slow.bin POST 600)
secret "$(sig_of "$U")"
printf '%s\n' "$U" >"$W/slowurl.txt"
ip netns exec "$NS" "$NR" upload "$W/slow.bin" --url-file "$W/slowurl.txt" $RG $CA --chunk-size 256K >"$W/int.out" 2>"$W/int.err" &
ip=$!
sleep 2.5
kill -INT "$ip"
wait "$ip"
expect_eq "Ctrl-C: exit 3" "$?" 3
OUT=$(cat "$W/int.out"); ERR=$(cat "$W/int.err"); keep
expect_match "Ctrl-C: says where it stopped and where the session is kept" \
	'at byte [0-9]+ of 12582912 \(server has [0-9]+\); session kept in .*\.slow\.bin\.netrescue-upload.*interrupted' "$ERR"
ST=$W/.slow.bin.netrescue-upload
expect_eq "state file is 0600" "$(stat -c %a "$ST" 2>&1)" 600
expect_match "state file holds the session URI" '^session https://storage.googleapis.com/upload' "$(cat "$ST" 2>&1)"
expect_nomatch "state file holds no signature" 'Signature' "$(cat "$ST" 2>&1)"
have=$(grep -o '"have":[0-9]*' "$W/gcs/log" | tail -1 | cut -d: -f2)
expect_rc "the next run resumes" 0 inns "$NR" --json upload "$W/slow.bin" --url-file "$W/slowurl.txt" $RG $CA --chunk-size 256K
keep
expect_json "resumed: JSON says so, crc32c checked" '.resumed == true and .bytes == 12582912 and .checked_by == "x-goog-hash crc32c"' "$OUT"
expect_match "resumed: warned from where" 'resuming the saved session at byte [1-9][0-9]* of 12582912' "$ERR"
same_file "resumed: object byte-identical" "$W/slow.bin" "$W/gcs/objects/bucket_obj_slow.bin"
expect_eq "resumed: one session only (one POST)" "$(grep -c '"method":"POST","path":"/bucket/obj/slow.bin"' "$W/gcs/log")" 1
expect_eq "resumed: no chunk re-sent from byte 0" "$(grep -c '"range":"bytes 0-262143/\*".*"have":[1-9]' "$W/gcs/log")" 0
expect_eq "state file removed after success" "$([ -e "$ST" ] && echo kept || echo gone)" gone

# --- redirects named, never followed ---
RD="https://acct.blob.core.windows.net:8443/c/redirect.bin?sv=1&sig=UmVkaXJTaWc$$"
secret "UmVkaXJTaWc$$" REDIRSECRET
SECRETS+=(REDIRSECRET)
expect_rc "redirect: exit 3" 3 up --json "$W/f3m" "$RD" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA
keep
expect_json "redirect: named with where to, one document" '.error.message | test("HTTP 307 to https://elsewhere.example.com:443/moved/obj \\(another host\\).*redirect, not followed")' "$OUT"
expect_eq "redirect: not followed, not retried" "$(grep -c '/c/redirect.bin' "$W/plain/log")" 1

# --- stalls name the host and the phase ---
t0=$(date +%s)
expect_one_line_error "stalled TLS peer" 3 "$G:8450: no progress for 2 s while the TLS handshake" \
	up "$W/f3m" "https://$G:8450/b/o?X-Goog-Signature=00" --resolve "$G:8450:127.0.0.1" $CA --timeout 2 --retries 0
expect_eq "stalled: bounded by --timeout (< 6 s)" "$(( $(date +%s) - t0 < 6 ))" 1
head -c $((32 * 1048576)) /dev/zero >"$W/z32m"
expect_one_line_error "server stops reading the body" 3 'acct.blob.core.windows.net:8443: no progress for 2 s while sending the body at byte [0-9]+ of 33554432' \
	up "$W/z32m" "https://acct.blob.core.windows.net:8443/c/stallbody" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA --timeout 2 --retries 0
expect_one_line_error "server never answers" 3 'no progress for 2 s while waiting for the response \(body sent\)' \
	up "$W/f3m" "https://acct.blob.core.windows.net:8443/c/stallresp" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA --timeout 2 --retries 0
expect_one_line_error "--max-time: per-attempt budget" 3 'sending the body at byte [0-9]+ of 33554432 not done within 3 s' \
	up "$W/z32m" "https://acct.blob.core.windows.net:8443/c/stallbody2" --resolve acct.blob.core.windows.net:8443:127.0.0.1 $CA --timeout 30 --max-time 3 --retries 0

# --- secrets: nowhere in any output ---
leak=
for s in "${SECRETS[@]}"; do
	[ -n "$s" ] && grep -qF -- "$s" "$ALL" && leak="$leak $s"
done
expect_eq "no signature, proxy password or token in any stdout, stderr or JSON (${#SECRETS[@]} checked)" "$leak" ""
exit 0
