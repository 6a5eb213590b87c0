#!/usr/bin/env python3
"""A minimal EST server (RFC 7030) for gate-est-client.t.sh: the client's side
tested against something that is not our gate. HTTPS on 127.0.0.1, any free
port (written to PORT_FILE), with SERVER_DIR's cert.pem and key.pem, asking
for a client certificate (verified against VERIFY_PEM: the terminal's paired
certificate and the CA). The CA is openssl's: certificates are signed by
`openssl x509 -req` and wrapped by `openssl crl2pkcs7 -nocrl`, base64.
  GET  /.well-known/est/cacerts        STATE_DIR/cacerts.b64
  POST /.well-known/est/simple(re)enroll  the next answer of STATE_DIR/script.json,
       a JSON list from its start whenever the file changes (the last one
       repeats), each one of
       {"status": 200, "sign": "CA_DIR"}  sign the CSR with CA_DIR/ca.crt, ca.key
           (+ "pubkey": "PEM" to certify another key, + "delay": SECONDS before answering)
       {"status": 200, "raw": "TEXT"}     this body as it is
       {"status": N, "body": {...}, "retry_after": S}   a JSON answer
Each request is logged to STATE_DIR/requests.log as "METHOD PATH CONTENT-TYPE
CLIENT-CERT-SHA256"; the n-th POST body is kept as STATE_DIR/post-n.b64.
Usage: est-standin.py PORT_FILE SERVER_DIR VERIFY_PEM STATE_DIR"""
import base64
import hashlib
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log(self):
        peer = self.connection.getpeercert(binary_form=True)
        fp = hashlib.sha256(peer).hexdigest().upper() if peer else "-"
        with open(os.path.join(self.server.state, "requests.log"), "a") as f:
            f.write(f"{self.command} {self.path} {self.headers.get('Content-Type', '-')} {fp}\n")

    def send(self, status, body, ctype, retry_after=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.log()
        if self.path != "/.well-known/est/cacerts":
            return self.send(404, b'{"error": {"code": "not_found", "message": "no such path"}}', "application/json")
        with open(os.path.join(self.server.state, "cacerts.b64"), "rb") as f:
            self.send(200, f.read(), "application/pkcs7-mime")

    def do_POST(self):
        self.log()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        state = self.server.state
        self.server.posts += 1
        with open(os.path.join(state, f"post-{self.server.posts}.b64"), "wb") as f:
            f.write(body)
        with open(os.path.join(state, "script.json")) as f:
            text = f.read()
        if text != self.server.script:
            self.server.script, self.server.step = text, 0
        script = json.loads(text)
        step = script[min(self.server.step, len(script) - 1)]
        self.server.step += 1
        if "sign" in step:
            time.sleep(step.get("delay", 0))
            ca = step["sign"]
            with tempfile.TemporaryDirectory() as tmp:
                csr = os.path.join(tmp, "req.der")
                with open(csr, "wb") as f:
                    f.write(base64.b64decode(body))
                ext = os.path.join(tmp, "ext.cnf")
                with open(ext, "w") as f:
                    f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                            "extendedKeyUsage=clientAuth\n")
                args = ["x509", "-req", "-inform", "DER", "-in", csr, "-CA", os.path.join(ca, "ca.crt"),
                        "-CAkey", os.path.join(ca, "ca.key"), "-days", "7", "-extfile", ext, "-set_serial",
                        str(1000 + self.server.posts), "-out", os.path.join(tmp, "cert.pem")]
                if "pubkey" in step:
                    args += ["-force_pubkey", step["pubkey"]]
                openssl(*args)
                p7 = openssl("crl2pkcs7", "-nocrl", "-certfile", os.path.join(tmp, "cert.pem"), "-outform", "DER")
            return self.send(200, base64.encodebytes(p7), "application/pkcs7-mime; smime-type=certs-only")
        if "raw" in step:
            return self.send(step["status"], step["raw"].encode(), "application/pkcs7-mime")
        self.send(step["status"], json.dumps(step["body"]).encode(), "application/json", step.get("retry_after"))

    def log_message(self, *args):
        pass


def main():
    port_file, server_dir, verify_pem, state = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(server_dir, "cert.pem"), os.path.join(server_dir, "key.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(verify_pem)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.state = state
    srv.posts = 0
    srv.script, srv.step = None, 0
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
