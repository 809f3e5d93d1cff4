"""The mypyc builds of the router's hot modules (issue #20, router/native.py): loaded exactly
when fresh, never next to their sources, ignored after an edit, and optional (no compiler: pure
Python, one message). The answers they give are the gateway suites' (tests/differential,
tests/execution), which run on whatever this process loaded."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from router.native import (
    BUILD_DIR,
    EXTENSION_SUFFIX,
    GROUP,
    NATIVE_MODULES,
    PURE_ENV,
    ROOT,
    compiled_modules,
    digest,
    read_build,
    source,
)
from router.native_build import build


def _import_all() -> None:
    for name in NATIVE_MODULES:
        importlib.import_module(name)


def test_the_modules_run_compiled_exactly_when_the_build_is_fresh() -> None:
    _import_all()
    for name in NATIVE_MODULES:
        beside = list(source(name).parent.glob(f"{source(name).stem}.*{EXTENSION_SUFFIX[-3:]}"))
        assert not beside, f"a compiled file next to its source would shadow it: {beside}"
    if os.environ.get(PURE_ENV):
        assert compiled_modules() == []
        return
    state = read_build()
    if state.compiled:
        assert state.problem is None, f"stale native build: {state.problem}"
        assert compiled_modules() == list(NATIVE_MODULES)
        for name in NATIVE_MODULES:
            assert Path(sys.modules[name].__file__ or "").is_relative_to(BUILD_DIR)
    else:
        assert compiled_modules() == []
        if not (BUILD_DIR / "manifest.json").exists():
            pytest.skip("no native build (`make native`; `make test` runs it first)")


def _fake_build(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sources and a manifest of them, with empty "compiled" files."""
    root, build_dir = tmp_path / "root", tmp_path / "build"
    for name in NATIVE_MODULES:
        copy = source(name, root)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(source(name).read_bytes())
    for name in [*NATIVE_MODULES, f"{GROUP}__mypyc"]:
        compiled = build_dir.joinpath("lib", *name.split(".")).with_suffix(EXTENSION_SUFFIX)
        compiled.parent.mkdir(parents=True, exist_ok=True)
        compiled.touch()
    digests = {name: digest(source(name, root)) for name in NATIVE_MODULES}
    manifest = {
        "compiled": True,
        "suffix": EXTENSION_SUFFIX,
        "python": sys.version,
        "modules": digests,
    }
    (build_dir / "manifest.json").write_text(json.dumps(manifest))
    return root, build_dir


def test_an_edited_source_makes_the_build_unusable(tmp_path: Path) -> None:
    root, build_dir = _fake_build(tmp_path)
    assert read_build(build_dir, root).problem is None
    edited = source(NATIVE_MODULES[-1], root)
    edited.write_text(edited.read_text() + "\n# edited\n")
    state = read_build(build_dir, root)
    assert state.extensions == {}
    assert state.compiled
    assert (
        state.problem == f"{edited.relative_to(root)} changed since the build (run `make native`)"
    )


def test_a_build_for_another_interpreter_is_unusable(tmp_path: Path) -> None:
    root, build_dir = _fake_build(tmp_path)
    manifest = json.loads((build_dir / "manifest.json").read_text())
    manifest["suffix"] = ".cpython-399-x86_64-linux-gnu.so"
    (build_dir / "manifest.json").write_text(json.dumps(manifest))
    assert read_build(build_dir, root).extensions == {}


def test_a_build_by_another_build_of_the_same_python_is_unusable(tmp_path: Path) -> None:
    """Same ABI suffix, another CPython build (pyenv's 3.11.7 against Debian's 3.11.2): mypyc's C
    uses CPython internals, so the build is redone rather than loaded."""
    root, build_dir = _fake_build(tmp_path)
    manifest = json.loads((build_dir / "manifest.json").read_text())
    other = f"{sys.version_info.major}.{sys.version_info.minor}.0 (main, Jan 1 2000) [GCC 1.0]"
    manifest["python"] = other
    (build_dir / "manifest.json").write_text(json.dumps(manifest))
    state = read_build(build_dir, root)
    assert (state.extensions, state.compiled) == ({}, True)
    assert state.problem == f"built by Python {other}, not {sys.version} (run `make native`)"


def test_pure_python_on_request() -> None:
    code = (
        f"import json, sys, {', '.join(NATIVE_MODULES)}\n"
        f"print(json.dumps([sys.modules[m].__file__ for m in {list(NATIVE_MODULES)!r}]))"
    )
    env = {**os.environ, PURE_ENV: "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert [Path(f) for f in json.loads(done.stdout)] == [source(n) for n in NATIVE_MODULES]
    assert done.stderr == ""


def test_without_a_compiler_the_build_says_so_once_and_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(PURE_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert build(tmp_path / "native") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith("native: no C compiler (")
    assert out[0].endswith(": the router runs as pure Python (slower, same answers)")
    state = read_build(tmp_path / "native")
    assert (state.compiled, state.extensions) == (False, {})
