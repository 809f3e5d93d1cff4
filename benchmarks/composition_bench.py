"""Composition benchmark: 50 generated subgraphs with 2,000 types in total.

Run ``python -m benchmarks.composition_bench`` (options: --subgraphs, --types-per-subgraph,
--repeat). Each subgraph owns entities (``@key``), value types, an enum and an input type, and
contributes fields to entities owned by its neighbours, so the merge, the field-sharing rules
and the satisfiability walk all have work to do. Prints the median and best wall time.
"""

from __future__ import annotations

import argparse
import statistics
import time

from router.composition import SubgraphInput, compose

__all__ = ["generate_subgraphs", "main", "measure"]

_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9",'
    ' import: ["@key", "@shareable", "@external", "@requires", "@tag"])\n'
)


def _subgraph_sdl(index: int, count: int, types: int) -> str:
    own = [f"S{index}T{t}" for t in range(types - 3)]
    lines = [_LINK, "type Query {"]
    lines += [
        f"  s{index}t{t}(id: ID!, filter: S{index}Filter): S{index}T{t}" for t in range(len(own))
    ]
    lines.append("}")
    lines.append(f"enum S{index}Color {{ RED GREEN BLUE }}")
    lines.append(f"input S{index}Filter {{ text: String color: S{index}Color limit: Int = 10 }}")
    lines.append(f"type S{index}Money @shareable {{ amount: Int! currency: String! }}")
    for t, name in enumerate(own):
        nxt = own[(t + 1) % len(own)]
        lines.append(
            f'type {name} @key(fields: "id") {{\n  id: ID!\n  name: String @tag(name: "public")\n'
            f"  price: S{index}Money\n  next: {nxt}\n  color: S{index}Color\n}}"
        )
    neighbour = (index + 1) % count
    for t in range(3):
        lines.append(
            f'type S{neighbour}T{t} @key(fields: "id") {{\n  id: ID!\n  fromS{index}: Int\n}}'
        )
    return "\n".join(lines) + "\n"


def generate_subgraphs(count: int = 50, types_per_subgraph: int = 40) -> list[SubgraphInput]:
    """``count`` subgraphs defining ``count * types_per_subgraph`` distinct types in total."""
    return [
        SubgraphInput(
            f"sub{i:02d}",
            f"http://127.0.0.1:{5000 + i}/graphql",
            _subgraph_sdl(i, count, types_per_subgraph),
        )
        for i in range(count)
    ]


def measure(subgraphs: list[SubgraphInput], repeat: int) -> list[tuple[float, float]]:
    """(wall-clock, CPU) seconds of ``repeat`` compositions (each must succeed); CPU time is
    the steadier figure on a shared machine."""
    timings = []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = compose(subgraphs)
        timings.append((time.perf_counter() - started, time.process_time() - cpu_started))
        if not result.ok:
            raise SystemExit(f"composition failed: {result.errors[:3]}")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subgraphs", type=int, default=50)
    parser.add_argument("--types-per-subgraph", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    subgraphs = generate_subgraphs(args.subgraphs, args.types_per_subgraph)
    timings = measure(subgraphs, args.repeat)
    wall, cpu = [t[0] for t in timings], [t[1] for t in timings]
    total_types = args.subgraphs * args.types_per_subgraph
    print(
        f"composition: {args.subgraphs} subgraphs, {total_types} types:"
        f" wall median {statistics.median(wall):.2f}s (best {min(wall):.2f}s),"
        f" CPU median {statistics.median(cpu):.2f}s over {args.repeat} runs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
