#!/usr/bin/env python3
"""A scripted stand-in for vpcd (the pcscd reader driver): listens on
127.0.0.1 (port 0 = any free one, written to PORT_FILE), accepts one card
connection and plays ACTIONS in order:
  send HEX   one framed message (2-byte big-endian length + payload)
  raw HEX    bytes as they are (to break the framing)
  recv       read one framed answer and print it as hex
  sleep S    wait S seconds
  flood HEX  send that framed message again and again without reading the
             answers, until the card stops taking them (its answers filled
             the buffers: it is stuck writing) for a second; prints "stalled"
  hold S     read nothing for up to S seconds, until the card hangs up
  close      close the connection
Usage: fake-vpcd.py PORT_FILE [late S] ACTION...   (an action and its argument are separate words)
"late S" picks and announces the port but only listens on it S seconds later."""
import os
import select
import socket
import sys
import time


def main():
    port_file, args = sys.argv[1], sys.argv[2:]
    late = 0.0
    if args[:1] == ["late"]:
        late, args = float(args[1]), args[2:]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if "flood" in args:
        # A small receive buffer (inherited by the accepted socket) fills fast.
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    if late:
        srv.close()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)
    if late:
        time.sleep(late)
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
    srv.listen(1)
    srv.settimeout(20)
    conn, _ = srv.accept()
    conn.settimeout(20)
    i = 0
    while i < len(args):
        act = args[i]
        if act in ("send", "raw"):
            data = bytes.fromhex(args[i + 1])
            if act == "send":
                data = len(data).to_bytes(2, "big") + data
            conn.sendall(data)
            i += 2
        elif act == "recv":
            head = recv_exact(conn, 2)
            body = recv_exact(conn, int.from_bytes(head, "big"))
            print(" ".join("%02X" % b for b in body), flush=True)
            i += 1
        elif act == "sleep":
            time.sleep(float(args[i + 1]))
            i += 2
        elif act == "flood":
            flood(conn, bytes.fromhex(args[i + 1]))
            print("stalled", flush=True)
            i += 2
        elif act == "hold":
            hold(conn, float(args[i + 1]))
            i += 2
        elif act == "close":
            conn.close()
            i += 1
        else:
            sys.exit("fake-vpcd: unknown action " + act)


def flood(conn, payload):
    frame = len(payload).to_bytes(2, "big") + payload
    pending = b""
    deadline = time.monotonic() + 60  # bounded whatever the card does
    while time.monotonic() < deadline:
        _, writable, _ = select.select([], [conn], [], 1.0)
        if not writable:
            return
        pending = pending or frame * 64
        try:
            pending = pending[conn.send(pending):]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            return  # the card hung up


def hold(conn, seconds):
    p = select.poll()
    p.register(conn, select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    p.poll(int(seconds * 1000))


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            sys.exit("fake-vpcd: the card closed the connection")
        buf += chunk
    return buf


if __name__ == "__main__":
    main()
