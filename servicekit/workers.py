"""Several worker processes of one service on one port (issue #20: every core).

Python runs one thread of bytecode per process, so a service uses one core per process. The
parent started with ``--workers N`` (N > 1) does not build the application: it re-executes its
own command line N times as *workers*, each a complete service that binds its own listening
socket on the same address with ``SO_REUSEPORT`` and lets the kernel spread the connections
over them (the model of NGINX's ``reuseport``, Envoy's and Hive Router's per-core listeners;
with one shared accept queue instead, as uvicorn's and gunicorn's ``--workers`` do, one event
loop tends to accept most of a burst of connections). The parent only supervises:

- it holds a bound, never listening socket on the address (``SO_REUSEPORT``), so the port is
  reserved, a port already in use fails at once, and ``--port 0`` is resolved once for all;
- each worker reports on a pipe when its server accepts connections; until every worker did,
  ``/ready`` answers 503 ``starting`` (:data:`servicekit.health.WORKERS_STARTING`), so a load
  balancer or a test waiting for readiness sees the whole set or nothing;
- SIGTERM / SIGINT to the parent is passed on as one stop request over each worker's control
  pipe (idempotent: under ``kill -- -PGID`` a worker gets the signal directly as well, and a
  second *signal* would cut its draining short, see :mod:`servicekit.serve`); the parent waits
  for the workers, then SIGKILLs any left after drain + graceful timeout;
- when the parent dies, even by SIGKILL, each worker's control pipe reaches end-of-file and the
  worker stops on its own: no orphan keeps serving the port;
- a worker that fails during start-up stops the whole set (its exit status is the parent's);
  one that dies later is started again (at most ``_MAX_RESTARTS`` per minute, then all stop).

State that must be global across workers already lives in Redis (rate limits, APQ, the BFFs'
caches); in-process state (document and plan caches, in-flight deduplication, circuit breakers,
``/metrics``) is per worker by design, like per-instance state of Apollo Router's replicas.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

from servicekit.logging import get_logger

__all__ = [
    "WORKER_ENV",
    "WorkerChannel",
    "default_workers",
    "is_worker",
    "main",
    "reuseport_socket",
    "supervise",
    "supervise_if_asked",
    "usable_cores",
    "workers_option",
]

_log = get_logger("servicekit.workers")

WORKER_ENV = "SERVICEKIT_WORKER"
"""``index:control_fd:report_fd:port`` in a worker's environment (set by :func:`supervise`)."""

_GRACE_SECONDS = 10.0  # uvicorn's 5 s graceful shutdown plus start-up of the loop, with margin
_MAX_RESTARTS = 5
_RESTART_WINDOW_SECONDS = 60.0

STOP = b"t"  # control message: stop as on SIGTERM (drains when the worker drains)
INTERRUPT = b"i"  # control message: stop as on SIGINT
ALL_UP = b"g"  # control message: every worker is up, /ready may answer ready


def usable_cores() -> int:
    """The cores this process may run on (``taskset``/cgroup cpusets respected, unlike
    ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_workers(env_name: str, *, development: bool) -> int:
    """``$<env_name>`` when set, else 1 in development mode (hot reload, one process to debug,
    per-process ``/metrics`` and breakers as the test suites observe them) and one worker per
    usable core otherwise."""
    value = os.environ.get(env_name, "").strip()
    if value:
        return int(value) if value != "auto" else usable_cores()
    return 1 if development else usable_cores()


def workers_option(argv: Sequence[str] | None, env_name: str, *, development: bool) -> int:
    """``--workers N`` from a command line that has no other options (the BFFs read the rest
    of their settings from the environment), else :func:`default_workers`."""
    parser = argparse.ArgumentParser(add_help=True)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"processes on the port (SO_REUSEPORT); default ${env_name}, else one per usable"
        " core in production mode, 1 in development mode",
    )
    found = parser.parse_args(argv).workers
    return int(found) if found else default_workers(env_name, development=development)


def supervise_if_asked(
    workers: int, *, host: str, port: int, drain_seconds: float = 0.0, service: str = "service"
) -> None:
    """With ``workers > 1`` in the process started by hand: become the supervisor (never
    returns). In a worker, or with one worker: return and serve.

    The process *execs* ``python -m servicekit.workers``: same pid (a process manager still
    holds the right one), but without the service's modules, which cost a supervisor about
    70 MB of RSS for nothing (measured with the router)."""
    if workers <= 1 or is_worker():
        return
    command = [sys.executable, "-m", "servicekit.workers", "--workers", str(workers)]
    command += ["--host", host, "--port", str(port), "--drain-seconds", str(drain_seconds)]
    command += ["--service", service, "--", *sys.orig_argv[1:]]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)


def is_worker() -> bool:
    """Whether this process is a worker started by :func:`supervise` (it must not supervise)."""
    return bool(os.environ.get(WORKER_ENV))


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEADDR`` and ``SO_REUSEPORT`` (Linux
    lets every socket of the same user with the option bind the address; connections are
    hashed over the *listening* ones)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


@dataclass(frozen=True)
class WorkerChannel:
    """A worker's side of the supervision: which worker it is, its control pipe (read end) and
    the shared report pipe (write end), and the port the parent reserved."""

    index: int
    control_fd: int
    report_fd: int
    port: int

    @classmethod
    def from_env(cls) -> WorkerChannel | None:
        """This process's channel when a supervisor started it (the variable is removed so
        nothing this worker starts inherits it)."""
        value = os.environ.pop(WORKER_ENV, None)
        if not value:
            return None
        index, control_fd, report_fd, port = (int(part) for part in value.split(":"))
        return cls(index, control_fd, report_fd, port)

    def report_up(self) -> None:
        """Tell the parent this worker accepts connections (one line, atomic under PIPE_BUF)."""
        os.write(self.report_fd, f"{self.index} {os.getpid()}\n".encode())


@dataclass
class _Worker:
    index: int
    process: subprocess.Popen[bytes]
    control_fd: int  # the parent's write end
    pidfd: int
    up: bool = False


class _Supervisor:
    def __init__(self, count: int, argv: Sequence[str], port: int, drain_seconds: float) -> None:
        self.count = count
        self.argv = list(argv)
        self.port = port
        self.deadline_after_stop = drain_seconds + _GRACE_SECONDS
        self.selector = selectors.DefaultSelector()
        self.report_r, self.report_w = os.pipe()
        self.wake_r, self.wake_w = socket.socketpair()
        self.workers: dict[int, _Worker] = {}
        self.signals: list[int] = []
        self.restarts: deque[float] = deque()
        self.all_up = False
        self.selector.register(self.report_r, selectors.EVENT_READ, "report")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "signal")
        self.report_buffer = b""

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.signals.append(signum)

    def spawn(self, index: int) -> None:
        control_r, control_w = os.pipe()
        env = {**os.environ, WORKER_ENV: f"{index}:{control_r}:{self.report_w}:{self.port}"}
        process = subprocess.Popen(self.argv, env=env, pass_fds=(control_r, self.report_w))
        os.close(control_r)
        pidfd = os.pidfd_open(process.pid)
        worker = _Worker(index, process, control_w, pidfd)
        self.workers[index] = worker
        self.selector.register(pidfd, selectors.EVENT_READ, ("exit", index))

    def send(self, worker: _Worker, message: bytes) -> None:
        with contextlib.suppress(OSError):  # a worker that is gone is seen through its pidfd
            os.write(worker.control_fd, message)

    def forget(self, worker: _Worker) -> int:
        self.selector.unregister(worker.pidfd)
        os.close(worker.pidfd)
        os.close(worker.control_fd)
        del self.workers[worker.index]
        return worker.process.wait()

    def on_report(self) -> None:
        self.report_buffer += os.read(self.report_r, 4096)
        *lines, self.report_buffer = self.report_buffer.split(b"\n")
        for line in lines:
            index = int(line.split()[0])
            worker = self.workers.get(index)
            if worker is None:
                continue
            worker.up = True
            if self.all_up:  # a restarted worker joins a set that is already ready
                self.send(worker, ALL_UP)
        if not self.all_up and all(w.up for w in self.workers.values()):
            self.all_up = True
            for worker in self.workers.values():
                self.send(worker, ALL_UP)
            _log.info("all workers ready", workers=self.count, port=self.port)

    def on_exit(self, index: int) -> int | None:
        """A worker died unasked: the exit status to stop with, or ``None`` once restarted."""
        code = self.forget(self.workers[index])
        if not self.all_up:
            _log.error("worker failed during start-up", worker=index, status=code)
            return code if code > 0 else 1
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > _RESTART_WINDOW_SECONDS:
            self.restarts.popleft()
        if len(self.restarts) >= _MAX_RESTARTS:
            _log.error("workers keep dying, stopping", worker=index, status=code)
            return 1
        self.restarts.append(now)
        _log.warning("worker died, starting it again", worker=index, status=code)
        self.spawn(index)
        return None

    def run(self) -> int:
        for index in range(self.count):
            self.spawn(index)
        while True:
            for key, _ in self.selector.select():
                if key.data == "report":
                    self.on_report()
                elif key.data == "signal":
                    self.wake_r.recv(64)
                else:
                    status = self.on_exit(key.data[1])
                    if status is not None:
                        self.stop(STOP)
                        return status
            if self.signals:
                self.stop(INTERRUPT if self.signals[0] == signal.SIGINT else STOP)
                return 0

    def stop(self, message: bytes) -> None:
        """Ask every worker to stop, wait for them (a further signal is sent on to them as a
        signal: stop at once), SIGKILL what is left after the deadline."""
        handled = len(self.signals)
        for worker in self.workers.values():
            self.send(worker, message)
        deadline = time.monotonic() + self.deadline_after_stop
        while self.workers and (remaining := deadline - time.monotonic()) > 0:
            for key, _ in self.selector.select(timeout=remaining):
                if key.data == "signal":
                    self.wake_r.recv(64)
                elif key.data != "report":
                    self.forget(self.workers[key.data[1]])
                else:
                    os.read(self.report_r, 4096)
            for signum in self.signals[handled:]:
                for worker in self.workers.values():
                    with contextlib.suppress(ProcessLookupError):
                        worker.process.send_signal(signum)
            handled = len(self.signals)
        for worker in list(self.workers.values()):
            _log.warning("worker did not stop in time, killing it", worker=worker.index)
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
            self.forget(worker)


def supervise(
    count: int,
    *,
    host: str,
    port: int,
    drain_seconds: float = 0.0,
    command: Sequence[str] | None = None,
) -> int:
    """Run ``count`` workers of ``command`` (default: this very command line, without the
    interpreter) on ``host:port`` until SIGTERM/SIGINT; returns the exit status. Call it before
    building the application (the parent needs none)."""
    try:
        reserved = reuseport_socket(host, port)
    except OSError as error:
        _log.error("cannot bind", host=host, port=port, error=str(error))
        print(f"cannot bind {host}:{port}: {error}", file=sys.stderr)
        return 2
    with reserved:
        bound_port = int(reserved.getsockname()[1])
        argv = [sys.executable, *(sys.orig_argv[1:] if command is None else command)]
        supervisor = _Supervisor(count, argv, bound_port, drain_seconds)
        previous = {
            signum: signal.signal(signum, supervisor._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        supervisor.wake_w.setblocking(False)
        previous_wakeup = signal.set_wakeup_fd(
            supervisor.wake_w.fileno(), warn_on_full_buffer=False
        )
        _log.info("starting workers", workers=count, host=host, port=bound_port)
        try:
            return supervisor.run()
        finally:
            signal.set_wakeup_fd(previous_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            for worker in list(supervisor.workers.values()):
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                supervisor.forget(worker)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m servicekit.workers --workers N --host H --port P [--drain-seconds S]
    [--service NAME] -- ARGS...``: supervise N workers, each ``python ARGS...``."""
    from servicekit.logging import configure_logging

    parser = argparse.ArgumentParser(prog="python -m servicekit.workers")
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--drain-seconds", type=float, default=0.0)
    parser.add_argument("--service", default="service")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    configure_logging(args.service)
    return supervise(
        args.workers,
        host=args.host,
        port=args.port,
        drain_seconds=args.drain_seconds,
        command=command,
    )


if __name__ == "__main__":
    sys.exit(main())
