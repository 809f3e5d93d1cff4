from __future__ import annotations

import os

from benchmarks.procstat import group_usage, parse_stat


def test_parse_stat_handles_spaces_and_parentheses_in_the_name() -> None:
    line = "4242 (node (worker) 1) S 1 4240 4240 0 -1 4194304 121 0 0 0 150 25 0 0 20 0 1 0 64720 3133440 389 18446744073709551615"
    stat = parse_stat(line)
    assert (stat.pid, stat.pgid, stat.cpu_ticks, stat.rss_pages) == (4242, 4240, 175, 389)


def test_group_usage_of_this_process_group_sees_this_process() -> None:
    usage = group_usage(os.getpgrp())
    assert usage.processes >= 1
    assert usage.rss_bytes > 10 * 2**20
    assert usage.cpu_seconds > 0


def test_wait_until_idle_returns_once_a_group_is_quiet() -> None:
    import subprocess
    import sys

    from benchmarks.runner import wait_until_idle

    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass",
        ],
        start_new_session=True,
    )
    try:
        waited = wait_until_idle(busy.pid, busy_percent=1.0, interval=0.25, max_seconds=20)
    finally:
        busy.wait()
    # Busy for 1.5 s (less if the machine is loaded and it gets less CPU), then gone.
    assert 0.5 <= waited < 10
    assert wait_until_idle(busy.pid, interval=0.25) < 1
