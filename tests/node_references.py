"""Install the pinned Node.js packages the suite checks against, before pytest starts.

    python -m tests.node_references

``make test`` runs this first: the reference gateways and benchmark subgraphs
(``benchmarks/node``), Apollo's query planner (``.cache/planning-reference``) and
@apollo/composition (``.cache/composition-reference``), each by ``npm ci`` from its committed
lock file and each a no-op when already installed. Installing inside a test put a registry
download under the test's time limit: with several installs fetching at once, one ``npm ci``
took longer than the 300 s limit and two benchmark tests failed on a slow download, not on the
code. Here a failed install stops ``make test`` with npm's own message.
"""

from __future__ import annotations

import sys

from benchmarks.tools import ensure_node_modules
from tests.composition.support import ensure_reference_installed
from tests.planning.reference_support import ensure_reference


def main() -> int:
    ensure_node_modules()
    ensure_reference()
    composition_problem = ensure_reference_installed()
    if composition_problem is not None:
        print(f"node references: {composition_problem}", file=sys.stderr)
        return 1
    print("node references: installed", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
