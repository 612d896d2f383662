#!/usr/bin/env python3
"""A stand-in for systemd's notification socket: binds an AF_UNIX datagram socket at the path
given (a leading '@' means Linux's abstract namespace, as in NOTIFY_SOCKET), prints "bound", then
one JSON line per datagram received: {"at": seconds since bound, "fields": ["READY=1", ...]}.
Node cannot bind AF_UNIX datagram sockets, so the tests run this (python3 is in Debian's base)."""
import json
import os
import socket
import sys
import time

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("\0" + path[1:] if path.startswith("@") else path)
if not path.startswith("@"):
    os.chmod(path, 0o777)  # a service running as its own user sends to it too
start = time.monotonic()
print("bound", flush=True)
while True:
    data = sock.recv(65536)
    fields = data.decode("utf-8", "replace").split("\n")
    print(json.dumps({"at": round(time.monotonic() - start, 3), "fields": fields}), flush=True)
