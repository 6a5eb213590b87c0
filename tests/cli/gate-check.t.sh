# gate serve, GET /v1/check: on the mTLS port about the connection's own
# certificate; on the [check] listener (loopback or a unix socket, plain HTTP)
# about the certificate a trusted proxy passes in a header; and behind
# Debian's nginx with auth_request, configured as pairkit-gate(1) shows.
source "$(dirname "${BASH_SOURCE[0]}")/gate-lib.sh"

pk -q device init --serial GATE-1 --role server --dir srv >/dev/null
for t in TERM-0042 TERM-0007 TERM-0099; do pk -q device init --serial $t --dir $t >/dev/null; done
# One operator per decision: a TOTP code is good once, and these come within seconds.
otp_of() {  # OPERATOR: enrols it, prints its current code
  local uri
  uri=$(pk operator add --db srv/pairing.db --name "$1" 2>/dev/null)
  oathtool --totp -b "$(sed -E 's/.*secret=([A-Z2-7]+)&.*/\1/' <<<"$uri")"
}
pair() {  # SERIAL: requested and approved in the registry, as an operator would
  local code
  code=$(pk --json pair request --db srv/pairing.db --serial "$1" --cert "$1/cert.pem" --server-cert srv/cert.pem |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])')
  pk -q pair approve --db srv/pairing.db --serial "$1" --code "$code" --operator "op-$1" --otp "$(otp_of "op-$1")" >/dev/null
}
pair TERM-0042
pair TERM-0007
# The header forms: nginx's $ssl_client_escaped_cert (URL-encoded PEM), PEM on one line, base64 DER.
escaped() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read(), safe=""))' "$1"; }
oneline() { tr '\n' ' ' <"$1"; }
b64der() { openssl x509 -in "$1" -outform DER | base64 -w0; }

# [check] listen must be loopback or a unix socket; the header name must be one.
mkdir bad && cp srv/key.pem srv/cert.pem bad/
for listen in 0.0.0.0:7742 '[::]:7742' 10.1.2.3:7742 gate.example:7742; do
  printf '[check]\nlisten = "%s"\n' "$listen" >bad/gate.toml
  t 3 '' "check.listen '.*': only a loopback address" -- pk gate serve --dir bad --listen 127.0.0.1:0
done
printf '[check]\nlisten = "unix:check.sock"\n' >bad/gate.toml
t 3 '' 'a unix socket needs an absolute path' -- pk gate serve --dir bad --listen 127.0.0.1:0
printf '[check]\ncert_header = "X-SSL Client: Cert"\n' >bad/gate.toml
t 3 '' 'check.cert_header .* is not a header name' -- pk gate serve --dir bad --listen 127.0.0.1:0

printf '[check]\nlisten = "127.0.0.1:0"\n' >srv/gate.toml
check "the gate starts with a [check] listener on 127.0.0.1:0" start_gate srv
CHECK=$(sed -n 's/^checks on \(127\.0\.0\.1:[0-9]*\) .*/\1/p' srv.out)
check "it says where the checks go" test -n "$CHECK"
ccurl() {  # [CURL ARGS...] PATH: plain HTTP to the [check] listener, body then "HTTP NNN"
  local path=${*: -1}
  curl -sS --max-time 10 -w '\nHTTP %{http_code}\n' "${@:1:$#-1}" "http://$CHECK$path"
}

# --- On the mTLS port: about the connection's own certificate.
t 0 '^\{"paired":true,"serial":"TERM-0042"\}$' '' -- gcurl --cert TERM-0042/cert.pem --key TERM-0042/key.pem /v1/check
t 0 '^X-Pairkit-Serial: TERM-0042' '' -- bash -c "curl -sk -D - -o /dev/null --cert TERM-0042/cert.pem --key TERM-0042/key.pem https://$GATE/v1/check | tr -d '\r'"
t 0 '"code":"not_paired"' '' -- gcurl --cert TERM-0099/cert.pem --key TERM-0099/key.pem /v1/check
t 0 '^HTTP 403$' '' -- gcurl --cert TERM-0099/cert.pem --key TERM-0099/key.pem /v1/check
t 0 '^HTTP 401$' '' -- gcurl /v1/check
t 0 '"code":"client_certificate_required"' '' -- gcurl /v1/check
# A terminal cannot vouch for another: the header is ignored on this port.
t 0 '"code":"not_paired"' '' -- gcurl --cert TERM-0099/cert.pem --key TERM-0099/key.pem -H "X-SSL-Client-Cert: $(escaped TERM-0042/cert.pem)" /v1/check
t 0 '^HTTP 401$' '' -- gcurl -H "X-SSL-Client-Cert: $(escaped TERM-0042/cert.pem)" /v1/check

# --- On the [check] listener: about the certificate in the header.
t 0 '^\{"paired":true,"serial":"TERM-0042"\}$' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped TERM-0042/cert.pem)" /v1/check
t 0 '^X-Pairkit-Serial: TERM-0042' '' -- bash -c "curl -s -D - -o /dev/null -H 'X-SSL-Client-Cert: $(escaped TERM-0042/cert.pem)' http://$CHECK/v1/check | tr -d '\r'"
t 0 '^HTTP 200$' '' -- ccurl -H "X-SSL-Client-Cert: $(oneline TERM-0042/cert.pem)" /v1/check
t 0 '^HTTP 200$' '' -- ccurl -H "X-SSL-Client-Cert: $(b64der TERM-0042/cert.pem)" /v1/check
t 0 '"code":"not_paired"' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped TERM-0099/cert.pem)" /v1/check
t 0 '^HTTP 403$' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped TERM-0099/cert.pem)" /v1/check
t 0 '^HTTP 401$' '' -- ccurl /v1/check
t 0 '"code":"client_certificate_required"' '' -- ccurl -H 'X-SSL-Client-Cert:' /v1/check
t 0 '^HTTP 400$' '' -- ccurl -H 'X-SSL-Client-Cert: garbage!' /v1/check
t 0 '"code":"bad_request"' '' -- ccurl -H 'X-SSL-Client-Cert: %zz' /v1/check
cat TERM-0042/cert.pem TERM-0099/cert.pem >two.pem
t 0 'one certificate and nothing else' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped two.pem)" /v1/check
t 0 '^HTTP 400$' '' -- ccurl -H "X-SSL-Client-Cert: $(b64der TERM-0042/cert.pem | cut -c1-200)" /v1/check
# Only the check and the health are served there: no pairing in plain HTTP.
t 0 '^HTTP 404$' '' -- ccurl -X POST -H 'Content-Type: application/json' -d '{"serial":"X"}' /v1/pair
t 0 '^HTTP 404$' '' -- ccurl /metrics
t 0 '^HTTP 404$' '' -- ccurl /v1/crl
t 0 '"status":"ok"' '' -- ccurl /healthz
t 0 'endpoint="/v1/check",status="200"' '' -- gcurl /metrics
t 0 'GET /v1/check 403 .*error=not_paired' '' -- cat srv.log

# --- Behind nginx: auth_request asks the [check] listener (pairkit-gate(1), NGINX).
nginx_port=
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p nginx/www/app && rm -f nginx/error.log && echo hello >nginx/www/app/index.html
  cat >nginx/nginx.conf <<NGINX
daemon off;
master_process off;
pid $PWD/nginx/nginx.pid;
error_log $PWD/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $PWD/nginx/body;
  proxy_temp_path $PWD/nginx/proxy;
  fastcgi_temp_path $PWD/nginx/fastcgi;
  uwsgi_temp_path $PWD/nginx/uwsgi;
  scgi_temp_path $PWD/nginx/scgi;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $PWD/srv/cert.pem;
    ssl_certificate_key $PWD/srv/key.pem;
    ssl_verify_client optional_no_ca;
    # Content from the static files: a "return" would answer before auth_request runs.
    location /app/ {
      auth_request /_pairkit_check;
      auth_request_set \$serial \$upstream_http_x_pairkit_serial;
      add_header X-Terminal-Serial \$serial always;
      root $PWD/nginx/www;
    }
    location = /_pairkit_check {
      internal;
      proxy_pass http://$CHECK/v1/check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-SSL-Client-Cert \$ssl_client_escaped_cert;
    }
  }
}
NGINX
  nginx -c "$PWD/nginx/nginx.conf" -p "$PWD/nginx" -e "$PWD/nginx/error.log" >nginx/stderr.log 2>&1 &
  nginx_pid=$!
  _gate_pids+=("$nginx_pid")
  for i in $(seq 50); do
    curl -sk -o /dev/null --max-time 1 "https://127.0.0.1:$port/" && { nginx_port=$port; break; }
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $nginx_port ]] && break
  kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null
done
check "Debian's nginx starts in front of the gate" test -n "$nginx_port"
ncurl() {  # [CURL ARGS...]: https://127.0.0.1:NGINX/app/ through nginx: headers, body, then "HTTP NNN"
  curl -sS -k --max-time 10 -D - -w '\nHTTP %{http_code}\n' "$@" "https://127.0.0.1:$nginx_port/app/" | tr -d '\r'
}
t 0 '^X-Terminal-Serial: TERM-0042$' '' -- ncurl --cert TERM-0042/cert.pem --key TERM-0042/key.pem
t 0 '^hello$' '' -- ncurl --cert TERM-0042/cert.pem --key TERM-0042/key.pem
t 0 '^HTTP 200$' '' -- ncurl --cert TERM-0042/cert.pem --key TERM-0042/key.pem
t 0 '^HTTP 403$' '' -- ncurl --cert TERM-0099/cert.pem --key TERM-0099/key.pem
t 0 '^HTTP 401$' '' -- ncurl
t 0 '^X-Terminal-Serial: TERM-0007$' '' -- ncurl --cert TERM-0007/cert.pem --key TERM-0007/key.pem
t 0 '' '' -- pk -q pair unpair --db srv/pairing.db --serial TERM-0007 --operator unpairer --otp "$(otp_of unpairer)"
t 0 '^HTTP 403$' '' -- ncurl --cert TERM-0007/cert.pem --key TERM-0007/key.pem
t 0 '"code":"unpaired"' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped TERM-0007/cert.pem)" /v1/check
kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null
stop_gate
t 0 '' '' -- test "$GATE_EXIT" = 0

# --- A unix socket: curl --unix-socket, as nginx's proxy_pass http://unix:PATH:/v1/check would.
printf '[check]\nlisten = "unix:%s/check.sock"\n' "$PWD" >srv/gate.toml
check "the gate starts with a [check] unix socket" start_gate srv
t 0 '^checks on unix:.*/check.sock ' '' -- cat srv.out
t 0 '^HTTP 200$' '' -- curl -sS --max-time 10 -w '\nHTTP %{http_code}\n' --unix-socket check.sock -H "X-SSL-Client-Cert: $(escaped TERM-0042/cert.pem)" http://localhost/v1/check
t 0 '"code":"unpaired"' '' -- curl -sS --max-time 10 --unix-socket check.sock -H "X-SSL-Client-Cert: $(escaped TERM-0007/cert.pem)" http://localhost/v1/check
stop_gate
check "the socket is removed when the gate stops" test ! -e check.sock

# --- A certificate the CA issued over EST speaks for its terminal, until it is revoked.
pk -q ca init --dir fca --cn 'Fleet CA' >/dev/null
printf '[gate]\nca = "%s/fca"\n[check]\nlisten = "127.0.0.1:0"\n' "$PWD" >srv/gate.toml
check "the gate starts with a CA and a [check] listener" start_gate srv
CHECK=$(sed -n 's/^checks on \(127\.0\.0\.1:[0-9]*\) .*/\1/p' srv.out)
openssl req -new -key TERM-0042/key.pem -subj /serialNumber=TERM-0042/CN=TERM-0042 -outform DER | openssl base64 >t42.b64
gcurl --cert TERM-0042/cert.pem --key TERM-0042/key.pem -H 'Content-Type: application/pkcs10' --data-binary @t42.b64 \
  /.well-known/est/simpleenroll | head -n -1 | openssl base64 -d | openssl pkcs7 -inform DER -print_certs | openssl x509 -out t42.pem
check "TERM-0042 enrolled over EST" openssl verify -CAfile fca/ca.crt t42.pem
t 0 '^\{"paired":true,"serial":"TERM-0042"\}$' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped t42.pem)" /v1/check
t 0 "$(openssl x509 -in t42.pem -noout -serial | cut -d= -f2): revoked" '' -- pk ca revoke --dir fca --cert t42.pem
t 0 '"code":"revoked"' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped t42.pem)" /v1/check
t 0 '^HTTP 403$' '' -- ccurl -H "X-SSL-Client-Cert: $(escaped t42.pem)" /v1/check
stop_gate
