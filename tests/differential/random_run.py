"""The random differential run (issue 14): seeded random valid operations sent to our router and
to the reference gateways (@apollo/gateway 2.14 and Hive Gateway 2.15, pinned in
benchmarks/node), all on the same supergraph over the same live subgraphs: the fixture
supergraph (tests/execution/fixtures) and every suite of the federation gateway audit, each with
its own subgraphs served by the audit's server as the audit runs them (tests/differential/
audit_suites.py; ``AUDIT_DIR`` names the checkout). ``--n`` operations are split evenly over the
suites; each audit suite's operations are seeded by (seed, suite name).

    AUDIT_DIR=/path/to/federation-gateway-audit \
        .venv/bin/python -m tests.differential.random_run --n 10000 --seed 14 --suites all \
        [--no-hive] [--out F]

An operation *differs* when the references agree with each other (``data`` equal, in order,
and errors present in both or neither) and the router does not; each one is minimised
(selections deleted while it still differs) and printed as a regression case. When the
references disagree with each other the operation is counted, never reported: no oracle.
With ``--no-hive`` Apollo alone is the oracle, minus :data:`APOLLO_KNOWN_WRONG`. Where both
references agree and are both wrong (tests/differential/references_known_wrong.py, each class
with its reason), the operation counts as ``references-known-wrong (NAME)``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.gateways import GATEWAYS, gateway_spec, rewrite_subgraph_urls, write_router_config
from router.supergraph import load_supergraph
from servicekit.processes import ManagedProcess, ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.differential.audit_suites import AuditSuite, audit_missing, audit_server, audit_suites
from tests.differential.harness import HEADERS, node_missing, start_fixture_subgraphs
from tests.differential.random_ops import RandomOperation, generate, minimise
from tests.differential.references_known_wrong import known_wrong

__all__ = [
    "APOLLO_KNOWN_WRONG",
    "SEQUENTIAL_SUITES",
    "Outcome",
    "Run",
    "main",
    "run_fixture",
    "run_suites",
    "run_supergraph",
    "running_gateways",
    "split",
    "suite_rng",
    "suite_workers",
]

FIXTURE_SDL = PROJECT_ROOT / "tests" / "execution" / "fixtures" / "supergraph.graphql"

APOLLO_KNOWN_WRONG = {
    "alias-collides-with-key": (
        "an alias equal to an entity key field's name (`upc: name`) is overwritten by the key "
        "@apollo/gateway adds for its entity fetch; the spec's CollectFields gives the response "
        "key the aliased field's value (tests/differential/operations.py REFERENCE_ALIAS_BUG)"
    ),
    "empty-selection-is-null": (
        "an object field whose every selection is excluded (`product @include(if: $v) "
        "{ secretCode @include(if: false) }`) is answered null; by the spec's ExecuteField the "
        "value is completed with an empty selection set: `{}` (Hive and ours)"
    ),
}


def _comparable(body: Any) -> tuple[str, bool]:
    """What the references must agree on: ``data`` as ordered JSON, and whether errors exist
    (messages are each implementation's own wording). Apollo Gateway reports value-completion
    failures under ``extensions.valueCompletion``; they are field errors by the spec
    ("Handling Execution Errors"), so they count as errors (see harness.normalise)."""
    if not isinstance(body, dict):
        return (json.dumps(body), True)
    extensions = body.get("extensions")
    completion = extensions.get("valueCompletion") if isinstance(extensions, dict) else None
    return (json.dumps(body.get("data")), bool(body.get("errors") or completion))


@dataclass
class Outcome:
    """Counts of one run and the minimised differences."""

    counts: Counter[str] = field(default_factory=Counter)
    differences: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    """Operations the references answer differently, with the references ours agrees with."""


@dataclass
class Run:
    """The gateways of one supergraph: name -> GraphQL URL."""

    urls: dict[str, str]
    client: httpx.Client
    suite: str = ""
    """The audit suite (for :data:`~tests.differential.references_known_wrong.
    REFERENCES_KNOWN_WRONG`)."""

    def ask(self, name: str, operation: RandomOperation) -> Any:
        body = {"query": operation.query, "variables": operation.variables}
        try:
            response = self.client.post(self.urls[name], json=body, headers=HEADERS)
        except httpx.HTTPError as error:  # a gateway that drops the connection is an answer too
            return {"transport_error": type(error).__name__}
        try:
            return response.json()
        except ValueError:
            return {"status": response.status_code, "text": response.text[:200]}

    def verdict(self, operation: RandomOperation) -> tuple[str, dict[str, Any]]:
        """``agree``, ``differ``, ``references-disagree`` (or ``apollo-known-wrong``)."""
        answers = {name: self.ask(name, operation) for name in self.urls}
        ours = _comparable(answers["router"])
        references = {name: _comparable(a) for name, a in answers.items() if name != "router"}
        if all(value == ours for value in references.values()):
            return "agree", answers
        if len(set(references.values())) > 1:
            return "references-disagree", answers

        def ask(name: str, query: str) -> Any:
            return self.ask(name, RandomOperation(query, operation.variables))

        known = known_wrong(self.suite, operation.query, answers, ask, operation.variables)
        if known is not None:
            return f"references-known-wrong ({known})", answers
        return "differ", answers

    def record(
        self,
        operation: RandomOperation,
        answer: tuple[str, dict[str, Any]],
        outcome: Outcome,
        schema: Any,
        *,
        minimise_it: bool = True,
    ) -> None:
        """Count the verdict; a difference is minimised (unless ``minimise_it`` is false) and
        kept."""
        verdict, answers = answer
        if verdict == "references-disagree":
            ours = _comparable(answers["router"])
            same = sorted(n for n, a in answers.items() if n != "router" and _comparable(a) == ours)
            verdict = f"references-disagree (router = {'+'.join(same) or 'neither'})"
            outcome.disagreements.append(
                {"query": operation.query, "variables": operation.variables, "answers": answers}
            )
        if verdict == "differ" and "hive" not in self.urls:
            known = _apollo_known_wrong(operation, answers)
            if known is not None:
                verdict = f"apollo-known-wrong ({known})"
        outcome.counts[verdict] += 1
        if verdict != "differ":
            return
        small = operation
        if minimise_it:
            small = minimise(operation, schema, lambda c: self.verdict(c)[0] == "differ")
        _, small_answers = self.verdict(small)
        outcome.differences.append(
            {
                "query": small.query,
                "variables": small.variables,
                "original": operation.query,
                "answers": small_answers,
            }
        )


def _apollo_known_wrong(operation: RandomOperation, answers: dict[str, Any]) -> str | None:
    """Which :data:`APOLLO_KNOWN_WRONG` entry explains Apollo's different answer, if any."""
    ours = answers["router"].get("data") if isinstance(answers["router"], dict) else None
    theirs = answers["apollo"].get("data") if isinstance(answers["apollo"], dict) else None
    if _empty_versus_null(ours, theirs):
        return "empty-selection-is-null"
    if any(f" {key}: " in operation.query for key in ("upc", "id")):
        return "alias-collides-with-key"
    return None


def _empty_versus_null(ours: Any, theirs: Any) -> bool:
    """Equal except where ours has ``{}`` and Apollo ``null`` (at least once)."""
    if ours == {} and theirs is None:
        return True
    if isinstance(ours, dict) and isinstance(theirs, dict) and ours.keys() == theirs.keys():
        pairs = [(ours[k], theirs[k]) for k in ours]
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        pairs = list(zip(ours, theirs, strict=True))
    else:
        return False
    differing = [(a, b) for a, b in pairs if a != b]
    return bool(differing) and all(_empty_versus_null(a, b) for a, b in differing)


@contextmanager
def running_gateways(
    supergraph: Path, work_dir: Path, names: tuple[str, ...]
) -> Iterator[dict[str, str]]:
    """Each gateway of ``names`` (benchmarks.gateways) on ``supergraph``; stopped on exit."""
    write_router_config(work_dir, deduplicate_inbound=False)
    with ExitStack() as cleanup:
        processes, urls = [], {}
        for name in names:
            gateway = GATEWAYS[name]
            port = free_port()
            spec = gateway_spec(gateway, supergraph, port, work_dir, None)
            spec = ProcessSpec(
                spec.name, spec.argv, spec.ready_url, {**spec.env, "ROUTER_CONFIG": ""}, spec.cwd
            )
            process = ManagedProcess(spec, log_path=work_dir / f"{name}.log")
            cleanup.callback(process.stop)
            processes.append(process)
            urls[name] = f"http://127.0.0.1:{port}{gateway.graphql_path}"
        with ThreadPoolExecutor(max_workers=len(processes)) as starting:
            for started in [starting.submit(p.start, ready_timeout_seconds=180) for p in processes]:
                started.result()
        yield urls


def run_supergraph(
    supergraph_sdl: str,
    count: int,
    rng: random.Random,
    *,
    hive: bool,
    work_dir: Path,
    workers: int = 4,
    log: Any = None,
    label: str = "",
    minimise_at_most: int | None = None,
    deadline: float | None = None,
    suite: str = "",
) -> Outcome:
    """``count`` operations over ``supergraph_sdl`` (its subgraph URLs already live), sent to
    the router, Apollo Gateway and (``hive``) Hive Gateway started on it. At most
    ``minimise_at_most`` differences are minimised; later ones are kept as generated. Past
    ``deadline`` (``time.monotonic()``) no new operations start: fewer than ``count`` ran
    (the outcome's counts say how many)."""
    names = ("router", "apollo", "hive") if hive else ("router", "apollo")
    schema = load_supergraph(supergraph_sdl).api_schema
    outcome = Outcome()
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with (
        running_gateways(path, work_dir, names) as urls,
        httpx.Client(timeout=60.0) as client,
    ):
        run = Run(urls, client, suite)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            index = 0
            while index < count and (deadline is None or time.monotonic() < deadline):
                # a chunk at a time, so a deadline stops the suite between chunks; the
                # operations are the first ones of the same seeded sequence either way
                chunk = [generate(schema, rng) for _ in range(min(workers * 4, count - index))]
                for operation, answer in zip(chunk, pool.map(run.verdict, chunk), strict=True):
                    found = len(outcome.differences)
                    allowed = minimise_at_most is None or found < minimise_at_most
                    run.record(operation, answer, outcome, schema, minimise_it=allowed)
                    if log is not None and len(outcome.differences) > found:
                        difference = outcome.differences[-1]
                        print(
                            f"{label}difference at operation {index}: {difference['query']!r}",
                            file=log,
                            flush=True,
                        )
                    index += 1
                    if log is not None and index % 100 == 0:
                        print(
                            f"{label}{index} operations: {dict(outcome.counts)}",
                            file=log,
                            flush=True,
                        )
    return outcome


def run_fixture(
    count: int,
    seed: int,
    *,
    hive: bool,
    work_dir: Path,
    workers: int = 4,
    log: Any = None,
    deadline: float | None = None,
) -> Outcome:
    """``count`` operations over the fixture supergraph (tests/execution/fixtures)."""
    supergraph_sdl = FIXTURE_SDL.read_text()
    with start_fixture_subgraphs(work_dir) as subgraph_urls:
        live = rewrite_subgraph_urls(supergraph_sdl, lambda n: subgraph_urls[n])
        return run_supergraph(
            live,
            count,
            random.Random(seed),
            hive=hive,
            work_dir=work_dir,
            workers=workers,
            log=log,
            deadline=deadline,
        )


def suite_rng(seed: int, suite: str) -> random.Random:
    """The generator of one audit suite: seeded by (seed, suite name), so a suite's operations
    do not depend on which other suites run (``--suites NAME`` reproduces them)."""
    return random.Random(f"{seed}:{suite}")


def split(total: int, parts: int) -> list[int]:
    """``total`` operations over ``parts`` suites, as even as possible (the first get one more)."""
    share, rest = divmod(total, parts)
    return [share + (1 if index < rest else 0) for index in range(parts)]


def run_suites(
    total: int,
    seed: int,
    wanted: list[str],
    *,
    hive: bool,
    work_dir: Path,
    workers: int,
    log: Any,
    summary: Path | None = None,
    budget_seconds: float | None = None,
) -> dict[str, Outcome | str]:
    """``total`` operations split over the fixture supergraph (``fixture``) and the audit's
    suites (``audit``, all of them, or their names). A suite whose gateways cannot start is
    reported with the reason. ``summary`` is rewritten after every suite (a long run that is
    stopped still leaves its per-suite tallies). With ``budget_seconds`` each suite gets an equal
    share of the time left when it starts (gateway start-up included), so a run bounded in
    time still covers every suite, each with the first operations of its seeded sequence."""
    results: dict[str, Outcome | str] = {}
    with ExitStack() as stack:
        names: list[str] = ["fixture"] if "fixture" in wanted or "all" in wanted else []
        suites: dict[str, AuditSuite] = {}
        if any(w != "fixture" for w in wanted):
            missing = audit_missing()
            if missing is not None:
                raise RuntimeError(missing)
            base = stack.enter_context(audit_server(work_dir / "audit-server.log"))
            only = None if {"all", "audit"} & set(wanted) else set(wanted)
            suites = {suite.name: suite for suite in audit_suites(base, only)}
            names += sorted(suites)
        finish = None if budget_seconds is None else time.monotonic() + budget_seconds
        for position, (name, count) in enumerate(zip(names, split(total, len(names)), strict=True)):
            started = time.monotonic()
            deadline = None
            if finish is not None:
                deadline = started + (finish - started) / (len(names) - position)
            try:
                if name == "fixture" and name not in suites:
                    outcome: Outcome | str = run_fixture(
                        count,
                        seed,
                        hive=hive,
                        work_dir=work_dir / name,
                        workers=workers,
                        log=log,
                        deadline=deadline,
                    )
                else:
                    outcome = run_supergraph(
                        suites[name].supergraph_sdl,
                        count,
                        suite_rng(seed, name),
                        hive=hive,
                        work_dir=work_dir / name,
                        workers=suite_workers(name, workers),
                        log=log,
                        label=f"[{name}] ",
                        minimise_at_most=MINIMISE_PER_SUITE,
                        deadline=deadline,
                        suite=name,
                    )
            except (RuntimeError, TimeoutError, OSError, ValueError) as error:
                outcome = f"not run: {type(error).__name__}: {error}"
            results[name] = outcome
            elapsed = time.monotonic() - started
            print(f"suite {name}: {count} operations asked, {elapsed:.0f} s", file=log, flush=True)
            print(_suite_line(name, outcome), file=log, flush=True)
            if summary is not None:
                summary.write_text(json.dumps(_report(results), indent=2))
    return results


SEQUENTIAL_SUITES = {
    "mutations": (
        "every `_entities` resolution of `Product` in subgraphs a and b deletes the product "
        "(src/test-suites/mutations/{a,b}.subgraph.ts `deleteProduct`) and `products`/"
        "`product` put it back (`initProducts`): two operations in flight interleave their "
        "fetches and one gateway finds the product deleted by another's (seed 14, 2 workers: "
        "one difference that re-asked agreed in all three; 1 worker: 213 of 213 agree)"
    ),
}
"""Audit suites whose subgraphs change their data when read: one operation at a time."""


def suite_workers(suite: str, workers: int) -> int:
    """Operations in flight for ``suite``: 1 for :data:`SEQUENTIAL_SUITES`."""
    return 1 if suite in SEQUENTIAL_SUITES else workers


MINIMISE_PER_SUITE = 10
"""Differences minimised per audit suite (each costs up to 200 requests per gateway); the rest
are counted and kept as generated."""


def _suite_line(name: str, outcome: Outcome | str) -> str:
    if isinstance(outcome, str):
        return f"  {name}: {outcome}"
    counts = ", ".join(f"{verdict}: {n}" for verdict, n in sorted(outcome.counts.items()))
    return f"  {name}: {sum(outcome.counts.values())} operations ({counts})"


def _report(results: dict[str, Outcome | str]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name, outcome in results.items():
        if isinstance(outcome, str):
            report[name] = {"error": outcome}
        else:
            report[name] = {
                "counts": dict(outcome.counts),
                "differences": outcome.differences,
                "disagreements": outcome.disagreements,
            }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="operations over all suites")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--suites",
        nargs="+",
        default=["fixture"],
        help="fixture, audit (every audit suite; AUDIT_DIR), all (both), or suite names",
    )
    parser.add_argument("--no-hive", action="store_true", help="Apollo Gateway as the only oracle")
    parser.add_argument("--workers", type=int, default=4, help="operations in flight")
    parser.add_argument("--out", type=Path, help="per-suite counts and differences as JSON")
    parser.add_argument(
        "--work-dir", type=Path, help="keep the gateways' logs and supergraphs here (default: temp)"
    )
    parser.add_argument(
        "--minutes",
        type=float,
        help="bound the run: each suite gets an equal share of the time (fewer operations ran "
        "than --n when it ends; the summary gives the counts)",
    )
    options = parser.parse_args(argv)
    missing = node_missing()
    if missing is not None:
        print(missing, file=sys.stderr)
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="random-differential-") as tmp:
        if options.work_dir is not None:
            options.work_dir.mkdir(parents=True, exist_ok=True)
        results = run_suites(
            options.n,
            options.seed,
            options.suites,
            hive=not options.no_hive,
            work_dir=options.work_dir or Path(tmp),
            workers=options.workers,
            log=sys.stderr,
            summary=options.out,
            budget_seconds=None if options.minutes is None else options.minutes * 60,
        )
    elapsed = time.monotonic() - started
    ran = sum(sum(o.counts.values()) for o in results.values() if isinstance(o, Outcome))
    print(
        f"{ran} of {options.n} operations over {len(results)} supergraphs, "
        f"seed {options.seed}, {elapsed:.0f} s"
    )
    totals: Counter[str] = Counter()
    differences = 0
    for name, outcome in results.items():
        print(_suite_line(name, outcome))
        if isinstance(outcome, Outcome):
            totals.update(outcome.counts)
            differences += len(outcome.differences)
            for difference in outcome.differences:
                print("    " + json.dumps({k: difference[k] for k in ("query", "variables")}))
    for verdict, number in sorted(totals.items()):
        print(f"  total {verdict}: {number}")
    failed = any(isinstance(outcome, str) for outcome in results.values())
    return 1 if differences or failed else 0


if __name__ == "__main__":
    sys.exit(main())
