#!/usr/bin/env python3
"""A fleet of terminals joining gates at once, for the shared-database tables.

  fleet-client.py join OUT CONCURRENCY SECONDS GATE[,GATE...] DIR...
      Each device folder DIR (cert.pem, key.pem; its serial is the folder's
      name) sends POST /v1/pair over mutual TLS to the gates in turn (the
      i-th folder to gate i mod the number of gates), CONCURRENCY at a time.
      A 503 or a failed connection is tried again after 0.2 s, as a terminal
      does, until SECONDS have passed since the start. Writes one JSON line
      per terminal to OUT: serial, gate, status (the last HTTP status, 0 for
      none), state and id (from the last answer), tries, unavailable (503s
      seen) and errors (connections that failed). Prints how many were
      answered (200 or 202).
Loopback only; bounded in count (one folder, one join) and time.
"""
import asyncio
import json
import os
import ssl
import sys
import time


def context(folder):
    # The gate's certificate is not checked: these rows test the shared
    # registry behind the gates, not the pin (gate-join.t.sh tests that).
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem"))
    return ctx


async def post(gate, ctx, serial, timeout):
    host, port = gate.rsplit(":", 1)
    body = json.dumps({"serial": serial}).encode()
    head = (f"POST /v1/pair HTTP/1.1\r\nHost: {gate}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port), ssl=ctx), timeout)
    try:
        writer.write(head + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(1 << 20), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(payload or b"{}")


async def join(folder, gate, deadline, limit):
    serial = os.path.basename(folder.rstrip("/"))
    ctx = context(folder)
    out = {"serial": serial, "gate": gate, "status": 0, "state": None, "id": None, "tries": 0,
           "unavailable": 0, "errors": 0}
    async with limit:
        while time.monotonic() < deadline:
            out["tries"] += 1
            try:
                status, answer = await post(gate, ctx, serial, max(1.0, deadline - time.monotonic()))
            except (OSError, asyncio.TimeoutError, ValueError, IndexError, ssl.SSLError):
                out["errors"] += 1
                await asyncio.sleep(0.2)
                continue
            out["status"], out["state"], out["id"] = status, answer.get("state"), answer.get("id")
            if status != 503:
                break
            out["unavailable"] += 1
            await asyncio.sleep(0.2)
    return out


async def main_join(out_file, concurrency, seconds, gates, folders):
    deadline = time.monotonic() + seconds
    limit = asyncio.Semaphore(concurrency)
    results = await asyncio.gather(*(join(f, gates[i % len(gates)], deadline, limit) for i, f in enumerate(folders)))
    with open(out_file, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    print(sum(1 for r in results if r["status"] in (200, 202)))


def main(argv):
    if len(argv) < 6 or argv[0] != "join":
        sys.exit(__doc__)
    asyncio.run(main_join(argv[1], int(argv[2]), float(argv[3]), argv[4].split(","), argv[5:]))


if __name__ == "__main__":
    main(sys.argv[1:])
