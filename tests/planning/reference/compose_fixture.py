"""Regenerate a fixture supergraph: ``python tests/planning/reference/compose_fixture.py NAME``.

Reads ``tests/planning/fixtures/NAME.subgraphs.graphql`` (subgraphs separated by
``# subgraph: <name>`` lines), composes them with Apollo's composition (pinned in package.json,
installed in ``.cache/planning-reference``) and writes ``tests/planning/fixtures/NAME.graphql``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures"
MODULES = HERE.parents[2] / ".cache" / "planning-reference" / "node_modules"


def read_subgraphs(path: Path) -> list[dict[str, str]]:
    subgraphs: list[dict[str, str]] = []
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("# subgraph:"):
            name = line.split(":", 1)[1].strip()
            subgraphs.append({"name": name, "url": f"http://{name}.local/graphql", "sdl": ""})
        elif subgraphs:
            subgraphs[-1]["sdl"] += line
    return subgraphs


def compose(subgraphs: list[dict[str, str]]) -> str:
    result = subprocess.run(
        ["node", str(HERE / "plan.cjs")],
        input=json.dumps({"subgraphs": subgraphs}),
        capture_output=True,
        text=True,
        check=True,
        env={"PLANNING_REFERENCE_MODULES": str(MODULES.parent), "PATH": "/usr/bin:/bin"},
    )
    answer = json.loads(result.stdout)
    if "supergraphSdl" not in answer:
        raise SystemExit(json.dumps(answer, indent=2))
    return str(answer["supergraphSdl"])


if __name__ == "__main__":
    name = sys.argv[1]
    sdl = compose(read_subgraphs(FIXTURES / f"{name}.subgraphs.graphql"))
    (FIXTURES / f"{name}.graphql").write_text(sdl + "\n")
