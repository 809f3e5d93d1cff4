"""Observe ``--workers N`` from outside (issue #20): the worker processes of a supervisor, and
which worker holds the server side of a TCP connection (``/proc/net/tcp`` maps the connection's
ports to a socket inode, ``/proc/PID/fd`` tells whose it is). Linux only, like SO_REUSEPORT."""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "alive",
    "children_of",
    "request_on_new_connection",
    "wait_for",
]


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def children_of(parent: int) -> set[int]:
    """Living processes whose parent is ``parent``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[1]) == parent and fields[0] not in ("Z", "X"):
                found.add(int(entry))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(int(link[8:-1]))
    return inodes


def _server_inode(server_port: int, client_port: int) -> int | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if (local_port, remote_port) == (server_port, client_port):
                return int(fields[9])
    return None


def request_on_new_connection(
    port: int, method: str, path: str, workers: set[int], body: bytes | None = None
) -> tuple[int, bytes, int | None]:
    """One request on a fresh keep-alive connection: its status, body, and the worker whose
    socket serves the connection (looked up while it is still open)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"content-type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        client_port = connection.sock.getsockname()[1]
        inode = _server_inode(port, client_port)
        owner = next((pid for pid in workers if inode in _socket_inodes(pid)), None)
        return response.status, payload, owner
    finally:
        connection.close()


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll ``condition`` until true or the deadline (event-driven by polling, no fixed sleep
    ordering)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)
