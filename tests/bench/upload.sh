#!/usr/bin/env bash
# upload: a 1 GiB file (sparse, in a temp dir, deleted after) PUT over TLS to the same local
# nginx (WebDAV PUT, a CA made here) with `netrescue upload` and with `curl -T` (OpenSSL), in
# the same run, inside a netns this bench makes. Prints throughput ratio and peak RSS.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NR=${NR:-$ROOT/dist/netrescue}
NS=nrb$$-up
W=$(mktemp -d /tmp/nrbench-upload.XXXXXX)
# nginx stores the object in RAM (tmpfs): the bench measures the clients, not the disk.
M=$(mktemp -d /dev/shm/nrbench-upload.XXXXXX)
SIZE_MB=${UPLOAD_BENCH_MB:-1024}
cleanup() {
	[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
	sleep 0.2
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W" "$M"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for c in nginx curl openssl /usr/bin/time; do command -v "$c" >/dev/null || { echo "bench upload: $c missing (apt-get install nginx-light curl openssl time)"; exit 1; }; done

H=storage.googleapis.com
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=nr bench CA" -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$H" -keyout "$W/srv.key" -out "$W/srv.csr" 2>/dev/null
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile <(printf 'subjectAltName=DNS:%s\n' "$H") -out "$W/srv.pem" 2>/dev/null
mkdir -p "$M/www/b" "$M/tmp"
cat >"$W/nginx.conf" <<CONF
daemon on;
user root;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $M/tmp;
	server {
		listen 127.0.0.1:443 ssl;
		server_name $H;
		ssl_certificate $W/srv.pem;
		ssl_certificate_key $W/srv.key;
		ssl_protocols TLSv1.2;
		client_max_body_size 0;
		root $M/www;
		location / { dav_methods PUT; create_full_put_path on; }
	}
}
CONF
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" nginx -c "$W/nginx.conf" -p "$W" || { echo "bench upload: nginx did not start"; cat "$W/error.log"; exit 1; }
truncate -s "${SIZE_MB}M" "$W/file"

run() { # label cmd...
	local l=$1 t0 t1
	shift
	rm -f "$M/www/b/obj"
	t0=$(date +%s.%N)
	ip netns exec "$NS" /usr/bin/time -v -o "$W/$l.time" "$@" >"$W/$l.out" 2>"$W/$l.err" || { echo "bench upload: $l failed: $(tail -2 "$W/$l.err")"; exit 1; }
	t1=$(date +%s.%N)
	[ "$(stat -c %s "$M/www/b/obj")" = $((SIZE_MB * 1048576)) ] || { echo "bench upload: $l: object incomplete"; exit 1; }
	echo "$t0 $t1" >"$W/$l.wall"
}
secs() { awk '{print $2 - $1}' "$W/$1.wall"; }
cpu() { awk -F": " "/User time/ {u=\$2} /System time/ {s=\$2} END {printf \"user %.2fs sys %.2fs\", u, s}" "$W/$1.time"; }
rss() { awk -F': ' '/Maximum resident/ {print $2}' "$W/$1.time"; }
# The default path per provider, as a user gets it: a Cloud Storage URL computes CRC32C on the
# sender (checked against x-goog-hash), an S3 URL also MD5 on a second thread (checked against
# the ETag). nginx reports neither, so this measures the client's cost of the checks.
GURL="https://$H/b/obj?X-Goog-Signature=00"
SURL="https://$H/b/obj?X-Amz-Signature=00"
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (a<b)?a:b}'; }
best_gcs=999 best_s3=999 best_curl=999
for i in ${UPLOAD_BENCH_ROUNDS:-1 2}; do
	run curl curl -sS --fail -T "$W/file" "$GURL" --resolve "$H:443:127.0.0.1" --cacert "$W/ca.pem" --tlsv1.2 --tls-max 1.2 -o /dev/null
	best_curl=$(min "$(secs curl)" "$best_curl")
	run gcs ${NR_WRAP:-} "$NR" upload "$W/file" "$GURL" --resolve "$H:443:127.0.0.1" --ca-file "$W/ca.pem"
	best_gcs=$(min "$(secs gcs)" "$best_gcs")
	run s3 "$NR" upload "$W/file" "$SURL" --resolve "$H:443:127.0.0.1" --ca-file "$W/ca.pem"
	best_s3=$(min "$(secs s3)" "$best_s3")
done
awk -v g="$best_gcs" -v s="$best_s3" -v c="$best_curl" -v mb="$SIZE_MB" -v rg="$(rss gcs)" -v rs="$(rss s3)" -v rc="$(rss curl)" \
	-v cg="$(cpu gcs)" -v cs="$(cpu s3)" -v cc="$(cpu curl)" -v ncpu="$(nproc)" 'BEGIN {
	printf "bench upload: %d MiB over TLS 1.2 to a local nginx (same %d CPUs), best of the rounds\n", mb, ncpu
	printf "bench upload: default gcs URL (CRC32C) %.0f MiB/s, default s3 URL (CRC32C + MD5 thread) %.0f MiB/s, curl -T %.0f MiB/s (no hashing)\n", mb / g, mb / s, mb / c
	printf "bench upload: throughput ratio default/curl: gcs %.2f, s3 %.2f (goal >= 1)\n", c / g, c / s
	printf "bench upload: peak RSS gcs %.1f MiB, s3 %.1f MiB, curl %.1f MiB (goal < 8 MiB)\n", rg / 1024, rs / 1024, rc / 1024
	printf "bench upload: cpu gcs %s, s3 %s, curl %s (last round)\n", cg, cs, cc
}'
