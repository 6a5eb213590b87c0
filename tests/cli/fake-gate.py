#!/usr/bin/env python3
"""A scripted stand-in for `gate serve`, for gate-join.t.sh rows that test the
client's side of the API (pairkit-gate(1), THE API) on its own: HTTPS on
127.0.0.1 (the port in PORT_FILE when it exists, so a restarted gate comes
back where it was; else any free one, written to PORT_FILE) with the server's
cert.pem and key.pem, asking for a client certificate (accepted when it is
CLIENT_CERT, the terminal's self-signed one). Each answer is read from
STATE_DIR at the moment of the request, so a test changes the gate's mind by
writing files:
  post.json   status and body for POST /v1/pair   {"status": 202, "body": {...}, "retry_after": 1}
  poll.json   the same for GET /v1/pair/ID
Every request is appended to STATE_DIR/requests.log as "METHOD PATH BODY".
Usage: fake-gate.py PORT_FILE SERVER_DIR CLIENT_CERT STATE_DIR"""
import http.server
import json
import os
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, name, body):
        state = self.server.state_dir
        with open(os.path.join(state, "requests.log"), "a") as log:
            log.write(f"{self.command} {self.path} {body}\n")
        with open(os.path.join(state, name)) as f:
            script = json.load(f)
        data = json.dumps(script["body"]).encode()
        self.send_response(script["status"])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if "retry_after" in script:
            self.send_header("Retry-After", str(script["retry_after"]))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.answer("post.json", self.rfile.read(length).decode())

    def do_GET(self):
        self.answer("poll.json", "")

    def log_message(self, *args):
        pass


def main():
    port_file, server_dir, client_cert, state_dir = sys.argv[1:5]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(server_dir, "cert.pem"), os.path.join(server_dir, "key.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(client_cert)
    port = int(open(port_file).read()) if os.path.exists(port_file) else 0
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.state_dir = state_dir
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
