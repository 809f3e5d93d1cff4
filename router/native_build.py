"""``make native`` (issue #20): compile :data:`router.native.NATIVE_MODULES` with mypyc into
``.cache/native/`` when a source changed since the last build, else do nothing.

One group (one shared library, so the modules call each other in C), in mypy's incremental mode
with a cache of its own: a rebuild after an edit re-analyses only what changed. The manifest is
written last, with the digests of the sources as they were before compiling (a source edited
during the build fails it). Without a C compiler, Python's headers, mypyc or setuptools it prints
one line and records why: the router runs as pure Python.

    python -m router.native_build [build]    # what ``make native`` runs
    python -m router.native_build status     # whether the router would load the build, or why not
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Sequence
from pathlib import Path

from router.native import (
    BUILD_DIR,
    EXTENSION_SUFFIX,
    GROUP,
    NATIVE_MODULES,
    PURE_ENV,
    ROOT,
    digest,
    read_build,
    source,
)

__all__ = ["build", "main", "missing_toolchain"]


def missing_toolchain() -> str | None:
    """Why mypyc cannot build here, or ``None``."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler} not found)"
    if not Path(sysconfig.get_paths()["include"], "Python.h").exists():
        return "no Python headers (Python.h)"
    for module in ("mypyc", "setuptools"):
        if importlib.util.find_spec(module) is None:
            return f"no {module} (a development dependency)"
    return None


def _write_manifest(build_dir: Path, manifest: dict[str, object]) -> None:
    build_dir.mkdir(parents=True, exist_ok=True)
    temporary = build_dir / "manifest.json.tmp"
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    temporary.replace(build_dir / "manifest.json")


def _digests() -> dict[str, str]:
    return {module: digest(source(module)) for module in NATIVE_MODULES}


def build(build_dir: Path = BUILD_DIR) -> int:
    """Compile unless the build is fresh; 0 also when there is nothing to compile with."""
    if os.environ.get(PURE_ENV):
        print(f"native: {PURE_ENV} is set: not compiling, the router runs as pure Python")
        return 0
    if read_build(build_dir).problem is None:
        return 0
    missing = missing_toolchain()
    if missing is not None:
        print(f"native: {missing}: the router runs as pure Python (slower, same answers)")
        shutil.rmtree(build_dir / "lib", ignore_errors=True)
        _write_manifest(build_dir, {"compiled": False, "reason": missing})
        return 0
    started = time.monotonic()
    digests = _digests()
    staging = build_dir / "lib.new"
    shutil.rmtree(staging, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "router.native_build", "compile", str(build_dir), str(staging)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        modules = ", ".join(NATIVE_MODULES)
        print(
            f"native: FAILED: mypyc could not compile {modules} (above); a construct mypyc "
            f"rejects needs rewriting; `{PURE_ENV}=1 make ...` skips the build meanwhile",
            file=sys.stderr,
        )
        return 1
    if _digests() != digests:
        print("native: FAILED: a source changed during the build: run it again", file=sys.stderr)
        return 1
    shutil.rmtree(build_dir / "lib", ignore_errors=True)
    staging.replace(build_dir / "lib")
    manifest = {
        "compiled": True,
        "suffix": EXTENSION_SUFFIX,
        "python": sys.version,
        "modules": digests,
    }
    _write_manifest(build_dir, manifest)
    seconds = time.monotonic() - started
    print(f"native: compiled {', '.join(NATIVE_MODULES)} with mypyc ({seconds:.0f} s)")
    return 0


def _compile(build_dir: Path, lib: Path) -> None:
    """mypyc + setuptools, in a process of their own (their output is shown on failure only)."""
    from mypyc.build import mypycify
    from setuptools import setup

    sources = [str(source(module).relative_to(ROOT)) for module in NATIVE_MODULES]
    # `separate` with one named group: one shared library, and mypy's incremental mode
    extensions = mypycify(
        ["--cache-dir", str(build_dir / "mypy-cache"), *sources],
        target_dir=str(build_dir / "c"),
        separate=[(sources, GROUP)],
    )
    setup(
        name="router-native",
        packages=[],
        py_modules=[],
        ext_modules=extensions,
        script_args=["build_ext", "--build-lib", str(lib), "--build-temp", str(build_dir / "o")],
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["build"]):
        return build()
    if args[:1] == ["compile"] and len(args) == 3:
        _compile(Path(args[1]), Path(args[2]))
        return 0
    if args == ["status"]:
        state = read_build()
        print(state.problem or f"compiled: {', '.join(NATIVE_MODULES)}")
        return 0
    print("usage: python -m router.native_build [build|status]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
