"""Native builds of the router's hot modules (issue #20): mypyc-compiled, with the sources as the
pure-Python fallback.

The modules of :data:`NATIVE_MODULES` are ordinary mypy-strict Python. ``make native`` (which
``make dev``, ``make test`` and ``make bench`` run first; :mod:`router.native_build`) compiles them
with mypyc into ``.cache/native/``, never next to the sources, so a compiled file cannot shadow a
``.py`` by being there: ``import router`` puts a finder in front of ``sys.meta_path`` that serves
the compiled modules only when the build's manifest holds the sha256 of every current source.
After an edit the whole build is ignored (the modules call each other directly in C: all or
nothing) and the first import of one of them says so on stderr until ``make native`` rebuilds it.

``ROUTER_PURE_PYTHON=1`` imports the sources even when a fresh build exists (and makes
``make native`` compile nothing). Without a C compiler, Python's headers or mypyc (a ``--no-dev``
install, the container image) there is no build and the router runs as pure Python.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = [
    "BUILD_DIR",
    "EXTENSION_SUFFIX",
    "GROUP",
    "NATIVE_MODULES",
    "PURE_ENV",
    "ROOT",
    "Build",
    "compiled_modules",
    "describe",
    "digest",
    "install",
    "read_build",
    "source",
]

NATIVE_MODULES: tuple[str, ...] = (
    "router.execution.completion",
    "router.execution.paths",
    "router.execution.merge",
    "router.execution.representations",
)
"""Compiled together (one shared library). Add a module when the gateway benchmark's instruction
count says it pays and the gateway suites pass compiled: mypyc checks what uncompiled code returns
against its annotations, so a library's loose annotation becomes a TypeError (graphql-core's
``GraphQLSchema.get_possible_types`` says ``list`` and returns a tuple for unions:
``router.execution.paths`` calls it through ``Any``). ``router.execution.shaping`` is not
compiled: its hot part, ``RootShape.shape``, is a loop over the root fields calling completers
and gained nothing compiled; nor is ``router.execution.executor``: mostly awaits, it saved 0.07 M
of 9.9 M instructions per request, not worth compiled coroutines."""

PURE_ENV = "ROUTER_PURE_PYTHON"
ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / ".cache" / "native"
GROUP = "router.compiled"
"""mypyc's group name: its shared library is the module ``router.compiled__mypyc``."""

EXTENSION_SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def source(module: str, root: Path = ROOT) -> Path:
    """The ``.py`` file of a module of the router."""
    return root.joinpath(*module.split(".")).with_suffix(".py")


def digest(path: Path) -> str:
    """What the manifest records of a source."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Build:
    """What ``.cache/native/manifest.json`` says, checked against the sources on disk."""

    extensions: dict[str, Path]
    """Module name → compiled file, when the build is usable by this interpreter."""
    problem: str | None
    """Why the build is not used (``None``: it is)."""
    compiled: bool = False
    """Whether ``make native`` compiled something, used or not (stale)."""


def read_build(build_dir: Path = BUILD_DIR, root: Path = ROOT) -> Build:
    """The build, usable only if this very interpreter (``sys.version``: release, build date and
    compiler) made it from the current bytes of exactly :data:`NATIVE_MODULES`."""
    try:
        manifest = json.loads((build_dir / "manifest.json").read_text())
    except FileNotFoundError:
        return Build({}, "no build (run `make native`)")
    except (OSError, ValueError) as error:
        return Build({}, f"unreadable manifest: {error}")
    if not manifest.get("compiled"):
        return Build({}, str(manifest.get("reason", "not compiled")))
    if manifest.get("suffix") != EXTENSION_SUFFIX:
        return Build({}, f"built for {manifest.get('suffix')}, not {EXTENSION_SUFFIX}", True)
    if manifest.get("python") != sys.version:
        # mypyc's C reaches into CPython's internals: the same ABI suffix is not enough
        built_by = manifest.get("python")
        return Build({}, f"built by Python {built_by}, not {sys.version} (run `make native`)", True)
    digests: dict[str, str] = manifest.get("modules", {})
    if sorted(digests) != sorted(NATIVE_MODULES):
        return Build({}, "NATIVE_MODULES changed since the build (run `make native`)", True)
    for module, recorded in digests.items():
        path = source(module, root)
        if not path.exists() or digest(path) != recorded:
            relative = path.relative_to(root)
            return Build({}, f"{relative} changed since the build (run `make native`)", True)
    lib = build_dir / "lib"
    names = [*NATIVE_MODULES, f"{GROUP}__mypyc"]
    extensions = {n: lib.joinpath(*n.split(".")).with_suffix(EXTENSION_SUFFIX) for n in names}
    missing = [str(path) for path in extensions.values() if not path.exists()]
    if missing:
        return Build({}, f"missing {', '.join(missing)} (run `make native`)", True)
    return Build(extensions, None, True)


class _Finder:
    """Serves the compiled modules of a fresh build; the normal finders load the sources
    otherwise. The manifest is read at the first import of a native module, not at startup."""

    def __init__(self) -> None:
        self._build: Build | None = None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in NATIVE_MODULES and fullname != f"{GROUP}__mypyc":
            return None
        if self._build is None:
            self._build = read_build()
            if self._build.problem is not None and self._build.compiled:
                print(
                    f"router: pure Python, not the compiled modules: {self._build.problem}",
                    file=sys.stderr,
                )
        location = self._build.extensions.get(fullname)
        if location is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(location))
        return importlib.util.spec_from_file_location(fullname, location, loader=loader)


def install() -> None:
    """Called by ``router/__init__.py``: before any native module can be imported."""
    if os.environ.get(PURE_ENV) or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


def describe() -> str:
    """What a router process started now would run (the pytest header, the benchmarks)."""
    if os.environ.get(PURE_ENV):
        return f"pure Python ({PURE_ENV} is set)"
    problem = read_build().problem
    return (
        f"compiled ({', '.join(NATIVE_MODULES)})" if problem is None else f"pure Python: {problem}"
    )


def compiled_modules() -> list[str]:
    """The imported modules of :data:`NATIVE_MODULES` that are compiled."""
    loaded = (sys.modules.get(name) for name in NATIVE_MODULES)
    return [
        module.__name__
        for module in loaded
        if module is not None and str(getattr(module, "__file__", "")).endswith(EXTENSION_SUFFIX)
    ]
