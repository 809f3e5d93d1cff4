"""Memory and CPU of a process group, read from /proc (Linux), so the harness can report a
gateway's RSS and the CPU share of the gateway and of the subgraphs during a run.

Every process the harness starts leads its own process group (``ManagedProcess`` starts a new
session), so summing over the group counts worker processes a gateway may fork.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GroupUsage", "RssSampler", "group_usage", "parse_stat"]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    pgid: int
    cpu_ticks: int
    rss_pages: int


@dataclass(frozen=True)
class GroupUsage:
    """RSS (bytes) and CPU time (seconds, user + system) of one process group at one instant."""

    rss_bytes: int
    cpu_seconds: float
    processes: int


def parse_stat(line: str) -> ProcStat:
    """Parse ``/proc/PID/stat``; the command name may hold spaces, so split after its ``)``."""
    pid_part, _, rest = line.partition(" (")
    fields = rest.rpartition(") ")[2].split()
    # fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, rss 24.
    return ProcStat(
        pid=int(pid_part),
        pgid=int(fields[2]),
        cpu_ticks=int(fields[11]) + int(fields[12]),
        rss_pages=int(fields[21]),
    )


def _all_stats() -> list[ProcStat]:
    stats = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stats.append(parse_stat((entry / "stat").read_text()))
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return stats


def group_usage(pgid: int) -> GroupUsage:
    """Current usage of every process in group ``pgid``."""
    members = [s for s in _all_stats() if s.pgid == pgid]
    return GroupUsage(
        rss_bytes=sum(s.rss_pages for s in members) * _PAGE_SIZE,
        cpu_seconds=sum(s.cpu_ticks for s in members) / _CLOCK_TICKS,
        processes=len(members),
    )


class RssSampler:
    """Samples a group's RSS in a background thread to report the peak during a run."""

    def __init__(self, pgid: int, interval_seconds: float = 0.5) -> None:
        self.pgid = pgid
        self.interval_seconds = interval_seconds
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, group_usage(self.pgid).rss_bytes)
            self._stop.wait(self.interval_seconds)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
