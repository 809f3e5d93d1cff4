"""Where the registry reads from: the subgraph SDLs, the committed and registered supergraphs.

Subgraphs come from ``schema/supergraph.yaml`` (Rover's config, ``servicekit.topology``); the
registered supergraph is ``schema/supergraph.graphql`` at a git ref (``git show REF:path``) or
a file. A ref that does not exist yet (``HEAD~1`` on the first commit) means "nothing
registered"; any other unusable input is an :class:`InputError` (exit code 2).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from router.composition import SubgraphInput
from servicekit.topology import load_subgraphs

__all__ = [
    "BFF_SCHEMA_DIR",
    "InputError",
    "Registered",
    "load_subgraph_inputs",
    "read_at_ref",
    "read_registered",
]

SUPERGRAPH_PATH = "schema/supergraph.graphql"
BFF_SCHEMA_DIR = "schema/bff"
"""``<client>.graphql``: a BFF's schema (``bff-manifest`` exports it), target of ``<client>.json``."""
_RELATIVE_REF = re.compile(r"^(HEAD|@)([~^]\d*)+$")


class InputError(Exception):
    """Unusable input: a missing file, a bad config, an unknown git ref."""


@dataclass(frozen=True)
class Registered:
    """The registered supergraph SDL, or why there is none."""

    sdl: str | None
    source: str
    note: str = ""


def load_subgraph_inputs(root: Path) -> list[SubgraphInput]:
    """The subgraphs of ``root``/schema/supergraph.yaml with their SDL files read."""
    config = root / "schema" / "supergraph.yaml"
    try:
        entries = load_subgraphs(config)
        return [SubgraphInput(e.name, e.routing_url, e.schema_file.read_text()) for e in entries]
    except (OSError, KeyError, TypeError, AttributeError, yaml.YAMLError) as error:
        raise InputError(f"cannot read the subgraphs from {config}: {error}") from error


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
    )


def read_registered(root: Path, against: str) -> Registered:
    """The supergraph registered at ``against`` (a file path or a git ref)."""
    candidate = Path(against)
    if not candidate.is_absolute():
        candidate = root / candidate
    if candidate.is_file():
        return Registered(candidate.read_text(), str(candidate))
    if _git(root, "rev-parse", "--git-dir").returncode != 0:
        raise InputError(f"{against} is not a file and {root} is not a git repository")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{against}^{{commit}}").returncode != 0:
        if _RELATIVE_REF.match(against):
            return Registered(None, against, f"{against} does not exist yet (first commit)")
        raise InputError(f"{against} is neither a file nor a git ref")
    shown = _git(root, "show", f"{against}:{SUPERGRAPH_PATH}")
    if shown.returncode != 0:
        return Registered(None, against, f"{against} has no {SUPERGRAPH_PATH}")
    return Registered(shown.stdout, f"{against}:{SUPERGRAPH_PATH}")


def read_at_ref(root: Path, against: str, path: str) -> str | None:
    """``path`` as registered at ``against`` when that is a git ref holding it, else ``None``."""
    candidate = Path(against)
    if (candidate if candidate.is_absolute() else root / candidate).is_file():
        return None
    shown = _git(root, "show", f"{against}:{path}")
    return shown.stdout if shown.returncode == 0 else None
