"""Progressive ``@override(label:)``: which labels a request plans with, and how often.

Federation 2.7's progressive override (``@join__field(overrideLabel:)``) leaves the choice of
active labels to the router. ``percent(N)`` labels are active for N % of requests; any other
label is active when the router configuration enables it (``override_labels``), as Apollo
Router does with labels set by configuration or a coprocessor. A ``percent(N)`` label listed in
the configuration is always active.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from router.supergraph import Supergraph

__all__ = ["override_label_chances"]

_PERCENT = re.compile(r"^percent\((\d+(?:\.\d+)?)\)$")


def override_label_chances(
    supergraph: Supergraph, enabled: Iterable[str] = ()
) -> tuple[tuple[str, float], ...]:
    """Each override label of the supergraph with the percentage of requests it is active for:
    ``N`` for ``percent(N)``, 100 for a label in ``enabled``; labels active for none are left
    out. Sorted by label (deterministic)."""
    wanted = frozenset(enabled)
    chances: dict[str, float] = {}
    for type_def in supergraph.types.values():
        for field_def in type_def.fields.values():
            for in_graph in field_def.graphs:
                label = in_graph.override_label
                if not label:
                    continue
                found = _PERCENT.match(label)
                if label in wanted:
                    chances[label] = 100.0
                elif found:
                    chances[label] = float(found.group(1))
    return tuple(sorted(chances.items()))
