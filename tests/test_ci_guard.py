"""tests/ci_guard.py: under CI a skip or xfail fails the session and is named; the reviewed
allow-list is the only way to accept one. Each case runs a tiny pytest session in a subprocess
(so this suite stays green) with the plugin loaded by ``-p tests.ci_guard``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from servicekit.topology import PROJECT_ROOT

SAMPLE = """
import pytest

def test_runs():
    assert 1 + 1 == 2

def test_deliberately_skipped():
    pytest.skip("no frobnicator on this machine")
"""

XFAIL_SAMPLE = """
import pytest

@pytest.fixture(scope="session")
def stack():
    try:
        raise RuntimeError("subgraphs do not compose")
    except RuntimeError as error:
        pytest.xfail(str(error))

def test_uses_stack(stack):
    assert stack

@pytest.mark.xfail(reason="known bug")
def test_marked_xfail_that_passes():
    assert True
"""

MODULE_SKIP_SAMPLE = """
import pytest

pytest.importorskip("a_module_that_does_not_exist_anywhere")

def test_never_collected():
    assert True
"""


def _run(
    tmp_path: Path, source: str, *, ci: str | None, allow: str | None = None
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(source)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the project's configuration
    allow_list = tmp_path / "allow.toml"
    allow_list.write_text(allow or "")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only the plugin under test: a faster start
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "tests.ci_guard", "-p", "no:cacheprovider"),
            *("--ci-allow-list", str(allow_list), "-q", "test_sample.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_skip_under_ci_fails_the_session_and_is_named(tmp_path: Path) -> None:
    run = _run(tmp_path, SAMPLE, ci="true")

    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout
    assert (
        "SKIPPED test_sample.py::test_deliberately_skipped: Skipped: no frobnicator on this machine"
        in run.stdout
    )
    assert "CI: 1 skipped/xfailed test(s) not in the allow-list" in run.stdout


def test_an_allow_listed_skip_passes_with_its_reason_printed(tmp_path: Path) -> None:
    allow = (
        "[[allow]]\n"
        'test = "test_sample.py::test_deliberately_skipped"\n'
        'reason = "reviewed: the frobnicator is not installable in CI"\n'
    )
    run = _run(tmp_path, SAMPLE, ci="true", allow=allow)

    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        "skipped test_sample.py::test_deliberately_skipped: reviewed: the frobnicator is not "
        "installable in CI" in run.stdout
    )
    assert "session FAILED" not in run.stdout


def test_without_ci_a_skip_is_only_reported(tmp_path: Path) -> None:
    for ci in (None, "false"):
        run = _run(tmp_path, SAMPLE, ci=ci)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "1 passed, 1 skipped" in run.stdout


def test_xfail_from_a_session_fixture_and_an_xpass_fail_under_ci(tmp_path: Path) -> None:
    run = _run(tmp_path, XFAIL_SAMPLE, ci="1")

    assert run.returncode == 1, run.stdout + run.stderr
    assert "XFAILED test_sample.py::test_uses_stack: subgraphs do not compose" in run.stdout
    assert "XPASSED test_sample.py::test_marked_xfail_that_passes: known bug" in run.stdout
    assert "CI: 2 skipped/xfailed test(s)" in run.stdout


def test_a_module_level_skip_fails_under_ci_even_with_nothing_collected(tmp_path: Path) -> None:
    run = _run(tmp_path, MODULE_SKIP_SAMPLE, ci="true")

    assert run.returncode == 1, run.stdout + run.stderr
    assert "SKIPPED (WHOLE MODULE) test_sample.py: " in run.stdout
    assert "a_module_that_does_not_exist_anywhere" in run.stdout


def test_an_allow_list_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    allow = '[[allow]]\ntest = "test_sample.py::test_deliberately_skipped"\nreason = ""\n'
    run = _run(tmp_path, SAMPLE, ci="true", allow=allow)

    assert run.returncode == 4, run.stdout + run.stderr  # pytest's usage error
    assert "allow entry 1 needs both `test` and a non-empty `reason`" in run.stderr


def test_the_committed_allow_list_is_well_formed() -> None:
    from tests.ci_guard import DEFAULT_ALLOW_LIST, load_allow_list

    entries = load_allow_list(DEFAULT_ALLOW_LIST)
    assert DEFAULT_ALLOW_LIST.is_file()
    assert all(entry.reason for entry in entries)
