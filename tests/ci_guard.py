"""A pytest plugin: under CI, a skipped or xfailed test fails the session (issue #21).

A green CI must mean every test ran. When the ``CI`` environment variable is set (and not
``0``/``false``/``no``), any test (or module) that skipped, xfailed or xpassed fails the session
with exit code 1, and the terminal summary lists each with its reason. The only way to accept
one is an entry, with a reason, in the reviewed allow-list (``tests/ci_allowed_skips.toml``, or
``--ci-allow-list FILE``)::

    [[allow]]
    test = "tests/path/test_file.py::test_name"   # a node id; fnmatch wildcards allowed
    reason = "why CI cannot run it, and who reviewed that"

Loaded by ``tests/conftest.py`` (``pytest_plugins``); ``-p tests.ci_guard`` loads it elsewhere.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["AllowEntry", "ci_enabled", "load_allow_list"]

DEFAULT_ALLOW_LIST = Path(__file__).resolve().parent / "ci_allowed_skips.toml"
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class AllowEntry:
    test: str
    reason: str

    def matches(self, nodeid: str) -> bool:
        return nodeid == self.test or fnmatch.fnmatchcase(nodeid, self.test)


@dataclass(frozen=True)
class _Unexpected:
    nodeid: str
    outcome: str
    reason: str


def ci_enabled() -> bool:
    """``CI`` is set the way CI services set it (``true``, ``1``, ...)."""
    return os.environ.get("CI", "").strip().lower() not in _FALSE


def load_allow_list(path: Path) -> list[AllowEntry]:
    """The reviewed entries; an entry without a test id or a reason is a usage error."""
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text())
    entries: list[AllowEntry] = []
    for index, raw in enumerate(data.get("allow", [])):
        test, reason = str(raw.get("test", "")).strip(), str(raw.get("reason", "")).strip()
        if not test or not reason:
            raise pytest.UsageError(
                f"{path}: allow entry {index + 1} needs both `test` and a non-empty `reason`"
            )
        entries.append(AllowEntry(test, reason))
    return entries


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ci-allow-list",
        default=str(DEFAULT_ALLOW_LIST),
        help="TOML file of skips/xfails CI accepts, each with a reason (tests/ci_guard.py)",
    )


class _Guard:
    def __init__(self, allowed: list[AllowEntry]) -> None:
        self.allowed = allowed
        self.unexpected: list[_Unexpected] = []
        self.accepted: list[tuple[_Unexpected, AllowEntry]] = []

    def _record(self, nodeid: str, outcome: str, reason: str) -> None:
        item = _Unexpected(nodeid, outcome, reason)
        entry = next((e for e in self.allowed if e.matches(nodeid)), None)
        if entry is None:
            self.unexpected.append(item)
        else:
            self.accepted.append((item, entry))

    @staticmethod
    def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
        wasxfail = getattr(report, "wasxfail", None)
        if wasxfail is not None:
            return str(wasxfail) or "(no reason given)"
        longrepr = report.longrepr
        if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (file, line, "Skipped: why")
            return str(longrepr[2])
        return str(longrepr)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
            if report.skipped or (report.passed and report.when == "call"):
                self._record(report.nodeid, outcome, self._reason(report))
        elif report.skipped:
            self._record(report.nodeid, "skipped", self._reason(report))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:  # a module-level skip or importorskip
            self._record(report.nodeid, "skipped (whole module)", self._reason(report))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.unexpected and session.exitstatus in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        ):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.accepted:
            terminalreporter.section("CI: accepted by the allow-list")
            for item, entry in self.accepted:
                terminalreporter.line(f"{item.outcome} {item.nodeid}: {entry.reason}")
        if self.unexpected:
            terminalreporter.section("CI: tests that did not run (session FAILED)", red=True)
            for item in self.unexpected:
                terminalreporter.line(f"{item.outcome.upper()} {item.nodeid}: {item.reason}")
            terminalreporter.line(
                f"CI: {len(self.unexpected)} skipped/xfailed test(s) not in the allow-list "
                "(tests/ci_allowed_skips.toml): fix them, or add a reviewed entry with a reason",
                red=True,
            )


def pytest_configure(config: pytest.Config) -> None:
    if not ci_enabled():
        return
    allowed = load_allow_list(Path(str(config.getoption("--ci-allow-list"))))
    config.pluginmanager.register(_Guard(allowed), "ci-guard")
