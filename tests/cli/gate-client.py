#!/usr/bin/env python3
"""Clients the gate tables need that curl cannot play (sourced tables call it).

  gate-client.py slowdrip HOST:PORT N SECONDS
      N TLS connections that send a request's headers one byte per second
      for SECONDS, then close; prints how many connected.
  gate-client.py inflight HOST:PORT PID
      sends a request's headers, sends SIGTERM to PID, then the body; prints
      the status line of the answer (the gate must finish this request).
  gate-client.py mitm HOST:PORT IDENTITY_DIR PORT_FILE SECONDS
      a man in the middle in front of the gate at HOST:PORT, for SECONDS:
      terminates each terminal's TLS on 127.0.0.1 with IDENTITY_DIR's
      certificate, opens its own TLS to the gate with that same identity as
      the client certificate (it cannot use the terminal's key), and relays
      the bytes both ways; writes its port to PORT_FILE.
Loopback only; every loop is bounded in count and time.
"""
import asyncio
import os
import signal
import socket
import time
import ssl
import sys


def context():
    # Not create_default_context(): loading the system's CAs for each of 200
    # connections would take seconds, and these rows test the server, not the pin.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def drip(host, port, seconds, connected, ctx):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, ssl=ctx), 10)
    except (OSError, asyncio.TimeoutError):
        return
    connected.append(1)
    text = b"GET /healthz HTTP/1.1\r\nHost: gate\r\nX-Slow: " + b"a" * 200
    try:
        for i in range(min(seconds, len(text))):
            writer.write(text[i:i + 1])
            await writer.drain()
            await asyncio.sleep(1)
    except OSError:
        pass
    writer.close()


async def slowdrip(host, port, n, seconds):
    connected = []
    ctx = context()
    await asyncio.gather(*(drip(host, port, seconds, connected, ctx) for _ in range(n)))
    print(len(connected))


def inflight(host, port, pid):
    with socket.create_connection((host, port), timeout=10) as raw:
        with context().wrap_socket(raw) as s:
            s.sendall(b"POST /healthz HTTP/1.1\r\nHost: gate\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n")
            # The request is in flight once the gate has read its headers and
            # waits for the body; a connection whose headers are still on the
            # way is one the stop may close.
            time.sleep(1)
            os.kill(pid, signal.SIGTERM)
            time.sleep(0.5)
            s.sendall(b"{}")
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            print(data.split(b"\r\n")[0].decode())


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, ConnectionError):
        pass
    finally:
        writer.close()


async def mitm(host, port, identity, port_file, seconds):
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(os.path.join(identity, "cert.pem"), os.path.join(identity, "key.pem"))
    upstream_ctx = context()
    upstream_ctx.load_cert_chain(os.path.join(identity, "cert.pem"), os.path.join(identity, "key.pem"))

    async def relay(reader, writer):
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=upstream_ctx), 10)
        except (OSError, asyncio.TimeoutError):
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=server_ctx)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    async with server:
        await asyncio.sleep(seconds)


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    host, port = addr.rsplit(":", 1)
    if mode == "slowdrip":
        asyncio.run(slowdrip(host, int(port), int(sys.argv[3]), int(sys.argv[4])))
    elif mode == "inflight":
        inflight(host, int(port), int(sys.argv[3]))
    elif mode == "mitm":
        asyncio.run(mitm(host, int(port), sys.argv[3], sys.argv[4], int(sys.argv[5])))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
