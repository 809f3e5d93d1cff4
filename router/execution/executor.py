"""Run a query plan against the subgraphs and merge their answers (Apollo's plan execution).

One ``match`` over the plan node kinds: a Sequence runs in order, a Parallel concurrently
(``asyncio.gather``), a Condition branches on a coerced boolean variable, a Fetch queries a
subgraph at the root and a Flatten sends one ``_entities`` request with the deduplicated
representations of every object at its path. Answers deep-merge into one tree keyed by the
client's response keys; the shaper projects it afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Protocol

import orjson
from graphql import FieldNode, OperationDefinitionNode, parse

from router.config import RouterConfig
from router.execution.contextual import aliased_operation, collect_with_parents, group_by_values
from router.execution.errors import (
    ClientPath,
    entity_error,
    entity_index,
    root_error,
    with_path,
)
from router.execution.merge import apply_rewrites, deep_merge, merge_entity_into
from router.execution.paths import TypeMatcher, collect_objects, collect_paths, display_path
from router.execution.representations import (
    Representations,
    Selector,
    build_representations,
    selector,
)
from router.execution.subgraphs import SubgraphAnswer, SubgraphClients, outbound_headers
from router.execution.uploads import UploadForwarder, current_uploads
from router.planning.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    RequiresSelection,
    SequenceNode,
)
from router.plugins.chain import current_run
from router.request import graphql_error
from servicekit.auth.forwarded import (
    SCOPES_HEADER,
    SIGNATURE_HEADER,
    USER_ID_HEADER,
    bind_identity,
)
from servicekit.cache_control import CachePolicy

__all__ = ["ExecutionResult", "FetchCache", "PlanExecutor", "PlanRun"]


@dataclass(slots=True)
class ExecutionResult:
    """The merged data, the errors so far, and the paths those errors cover (for the shaper)."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    covered: list[tuple[str | int, ...]] = field(default_factory=list)
    cache_policy: CachePolicy | None = None
    """The subgraph answers' ``Cache-Control``, merged (issue #17); None before any fetch."""
    cache_tags: set[str] = field(default_factory=set)
    """Entity tags of the cached subgraphs' answers (the ``Cache-Tag`` header)."""

    cache_declared: bool = False
    """Some subgraph answer carried a ``Cache-Control`` (one without counts as no-store)."""

    def note_cache_control(self, value: str | None) -> None:
        self.cache_declared = self.cache_declared or value is not None
        policy = CachePolicy.parse(value)
        current = self.cache_policy
        if current is not policy:  # the same (shared) policy again restricts nothing
            self.cache_policy = policy if current is None else current.restrict(policy)

    def add_error(self, error: dict[str, Any]) -> None:
        self.errors.append(error)
        path = error.get("path")
        if isinstance(path, list):
            self.covered.append(tuple(path))


IDENTITY_HEADERS = (USER_ID_HEADER, SCOPES_HEADER, SIGNATURE_HEADER)
FORWARDED_FOR = "x-forwarded-for"


@dataclass(slots=True)
class PlanRun:
    """One request's execution state: the result fetches merge into and per-request headers.
    A ``@defer`` part runs with its own ``result`` sharing ``data`` (its errors stay apart)."""

    result: ExecutionResult
    variables: Mapping[str, Any]
    inbound: Mapping[str, str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    identity: dict[str, str] | None = None
    """Signed caller headers; None when identity forwarding is off (nothing stripped)."""
    client_address: str | None = None
    """Sent as ``X-Forwarded-For`` to the subgraphs configured to get it."""
    secret: str | None = None
    """The identity signing secret, read once per request (not once per fetch)."""


class FetchCache(Protocol):
    """The response cache in the fetch path (issue #17, :mod:`router.caching`): answers a query
    fetch from Redis or by ``deliver`` (which sends a body to the subgraph)."""

    async def fetch(
        self,
        fetch: FetchNode,
        body: bytes,
        run: PlanRun,
        deliver: Callable[[bytes], Awaitable[SubgraphAnswer]],
    ) -> SubgraphAnswer: ...


_SELECTORS = 4096
"""Representation builders kept per executor (one per entity fetch of the cached plans)."""


@lru_cache(maxsize=4096)
def _root_keys(operation: str) -> tuple[str, ...]:
    """The top-level response keys a root fetch provides (what its failure leaves null)."""
    document = parse(operation, no_location=True)
    keys: list[str] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    keys.append(selection.alias.value if selection.alias else selection.name.value)
    return tuple(keys)


class PlanExecutor:
    """Executes plans for one supergraph: subgraph URLs resolved once, clients shared."""

    def __init__(
        self,
        clients: SubgraphClients,
        config: RouterConfig,
        subgraph_urls: Mapping[str, str],
        matcher: TypeMatcher,
        key_fields: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
    ) -> None:
        self._clients = clients
        self._config = config
        self._urls = {name: config.subgraph_url(name, url) for name, url in subgraph_urls.items()}
        self._matches = matcher
        self._key_fields = key_fields or {}
        """Per subgraph: type name -> top-level key field names (null keys are not sent)."""
        self.cache: FetchCache | None = None
        """Set by the gateway when the response cache is on (issue #17)."""
        self._selectors: dict[int, tuple[FetchNode, Selector]] = {}
        """Per entity fetch of a cached plan (by identity, the node kept alive so its id is
        not reused): its representation builder, made once, not per request."""

    @property
    def matcher(self) -> TypeMatcher:
        """Runtime type vs type condition, from the supergraph's schema."""
        return self._matches

    async def execute(
        self,
        plan: QueryPlan,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        identity: Mapping[str, str] | None = None,
        client_address: str | None = None,
    ) -> ExecutionResult:
        """Run ``plan``; subgraph failures become errors in the result, never exceptions.

        ``identity``: headers sent to every subgraph after the propagation rules (the signed
        caller identity, :mod:`servicekit.auth.forwarded`; empty for an anonymous caller);
        propagated headers of the same names are dropped first. ``client_address``: the
        client's resolved address, for the subgraphs with ``forward_client_address``."""
        run = self.begin(variables, headers, identity, client_address)
        if plan.node is not None:
            await self._run(plan.node, run)
        return run.result

    def begin(
        self,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        identity: Mapping[str, str] | None = None,
        client_address: str | None = None,
    ) -> PlanRun:
        """The state of one request whose plan parts :meth:`run` executes one by one
        (incremental delivery, :mod:`router.execution.incremental`)."""
        forwarded = dict(identity) if identity is not None else None
        return PlanRun(
            ExecutionResult(),
            variables,
            headers,
            identity=forwarded,
            client_address=client_address,
            secret=self._config.identity_forwarding.effective_secret(),
        )

    async def run(self, node: PlanNode, run: PlanRun) -> None:
        """Run one plan part into ``run.result`` (never raises for subgraph failures)."""
        await self._run(node, run)

    async def _run(self, node: PlanNode, run: PlanRun) -> None:
        match node:  # the most frequent kinds first
            case FlattenNode(path=path, node=fetch, more_paths=more):
                await self._fetch_entities(path, fetch, run, more)
            case SequenceNode(nodes=nodes):
                for child in nodes:
                    await self._run(child, run)
            case ParallelNode(nodes=nodes):
                await self._parallel(nodes, run)
            case ConditionNode(condition=name, if_clause=if_clause, else_clause=else_clause):
                branch = if_clause if run.variables.get(name) is True else else_clause
                if branch is not None:
                    await self._run(branch, run)
            case FetchNode():
                await self._fetch_root(node, run)
            case DeferNode(primary=primary, deferred=deferred):
                # a complete (non-incremental) answer: every part, the deferred ones after
                # the primary fetches they read
                if primary.node is not None:
                    await self._run(primary.node, run)
                await asyncio.gather(
                    *(self._run(block.node, run) for block in deferred if block.node is not None)
                )

    async def _parallel(self, nodes: Sequence[PlanNode], run: PlanRun) -> None:
        """The children concurrently: the first in this task, the others in one ``gather``
        (a task fewer per parallel node); the others are cancelled with this task, and left
        running when the first raises, as ``gather`` does."""
        if not nodes:
            return
        others = asyncio.gather(*(self._run(child, run) for child in nodes[1:]))
        try:
            await self._run(nodes[0], run)
        except asyncio.CancelledError:
            others.cancel()
            raise
        await others

    def _body(
        self,
        fetch: FetchNode,
        run: PlanRun,
        representations: Representations | None = None,
        extra: Mapping[str, Any] | None = None,
        operation: str | None = None,
    ) -> bytes:
        payload: dict[str, Any] = {"query": operation or fetch.operation}
        if fetch.operation_name:
            payload["operationName"] = fetch.operation_name
        usages = fetch.variable_usages
        variables = {n: run.variables[n] for n in usages if n in run.variables} if usages else {}
        if representations is not None:
            variables["representations"] = representations.encoded
        if extra:
            variables.update(extra)
        if variables:
            payload["variables"] = variables
        return orjson.dumps(payload)

    async def _send(self, fetch: FetchNode, body: bytes, run: PlanRun) -> SubgraphAnswer:
        name = fetch.service_name
        headers = run.headers.get(name)
        if headers is None:
            headers = outbound_headers(self._config, name, run.inbound)
            if run.identity is not None:  # only the router speaks for the caller
                for forged in IDENTITY_HEADERS:
                    headers.pop(forged, None)
                headers.update(run.identity)
            if self._config.subgraph_forwards_client_address(name):
                headers.pop(FORWARDED_FOR, None)  # never a client-written one
                if run.client_address is not None:
                    headers[FORWARDED_FOR] = run.client_address
            run.headers[name] = headers
        url = self._urls.get(name)
        if url is None:
            url = self._config.subgraph_url(name, "")
        if not url:
            reason = f"no URL is known for subgraph '{name}'"
            return SubgraphAnswer(failure=_no_url_error(name, reason))
        secret = run.secret
        uploads = current_uploads.get()  # issue #18: a multipart request's files
        if uploads is not None and uploads.used_by(fetch.variable_usages):
            # streamed once: the plugins' hooks, the balancer, the breaker; no cache, no retry
            body = uploads.subgraph_operations(body, fetch.variable_usages)
            send = partial(self._send_upload, uploads, fetch, url, secret=secret)
            plugins = current_run()  # router.plugins hook point, as for every fetch
            if plugins is not None and plugins.chain.has_subgraph_hooks:
                return await plugins.subgraph_fetch(
                    name, url, headers, body, send=send, failed=_plugin_failure
                )
            return await send(headers, body)
        mutation = fetch.operation_kind == "mutation"
        # issue #17: the response cache (router.caching) answers query fetches when it is on;
        # a hit sends nothing, so the subgraph hooks run for the fetches that reach a subgraph
        if self.cache is not None and not mutation:
            deliver = partial(self._deliver, name, url, headers, mutation, secret=secret)
            answer = await self.cache.fetch(fetch, body, run, deliver)
        else:
            answer = await self._deliver(name, url, headers, mutation, body, secret=secret)
        run.result.note_cache_control(answer.cache_control)
        return answer

    def _deliver(
        self,
        name: str,
        url: str,
        headers: dict[str, str],
        mutation: bool,
        payload: bytes,
        *,
        secret: str | None,
    ) -> Awaitable[SubgraphAnswer]:
        """Send ``payload`` (the awaitable of the send: no frame of its own per fetch)."""
        plugins = current_run()  # router.plugins hook point: subgraph request/response hooks
        if plugins is not None and plugins.chain.has_subgraph_hooks:
            send = partial(self._send_signed, name, url, mutation, secret=secret)
            return plugins.subgraph_fetch(
                name, url, headers, payload, send=send, failed=_plugin_failure
            )
        signed = bind_identity(headers, payload, secret)  # as _send_signed, one frame less
        return self._clients.send(name, url, payload, signed, mutation=mutation)

    async def _send_upload(
        self,
        uploads: UploadForwarder,
        fetch: FetchNode,
        url: str,
        headers: dict[str, str],
        operations: bytes,
        *,
        secret: str | None,
    ) -> SubgraphAnswer:
        """The fetch that takes files: the caller's identity bound to ``operations``."""
        name = fetch.service_name
        signed = bind_identity(headers, operations, secret)
        through = partial(self._clients.send_unrepeatable, name, url)
        return await uploads.send(
            name, url, operations, signed, fetch.variable_usages, through=through
        )

    async def _send_signed(
        self,
        name: str,
        url: str,
        mutation: bool,
        headers: dict[str, str],
        body: bytes,
        *,
        secret: str | None,
    ) -> SubgraphAnswer:
        headers = bind_identity(headers, body, secret)
        return await self._clients.send(name, url, body, headers, mutation=mutation)

    async def execute_event(
        self,
        primary: FetchNode,
        answer: SubgraphAnswer,
        rest: PlanNode | None,
        *,
        variables: Mapping[str, Any],
        headers: Mapping[str, str],
        identity: Mapping[str, str] | None = None,
    ) -> ExecutionResult:
        """A subscription event (issue #16): ``answer``, one event of the subgraph stream the
        ``primary`` root fetch opened, stands in for that fetch; the ``rest`` of the plan (entity
        fetches to other subgraphs) runs on it as for a query."""
        run = self.begin(variables, headers, identity)
        self._merge_root(primary, answer, run)
        if rest is not None:
            await self._run(rest, run)
        return run.result

    async def _fetch_root(self, fetch: FetchNode, run: PlanRun) -> None:
        answer = await self._send(fetch, self._body(fetch, run), run)
        self._merge_root(fetch, answer, run)

    def _merge_root(self, fetch: FetchNode, answer: SubgraphAnswer, run: PlanRun) -> None:
        result = run.result
        if answer.failure is not None:
            result.errors.append(answer.failure)
        for error in answer.errors:
            result.add_error(root_error(error, fetch.service_name))
        if isinstance(answer.data, dict):
            if fetch.output_rewrites:
                apply_rewrites(answer.data, fetch.output_rewrites, self._matches)
            deep_merge(result.data, answer.data)
        else:
            result.covered.extend((key,) for key in _root_keys(fetch.operation))

    async def _fetch_entities(
        self,
        path: tuple[str, ...],
        fetch: FetchNode,
        run: PlanRun,
        more: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        matches = self._matches
        objects = (
            [obj for at in (path, *more) for obj in collect_objects(run.result.data, at, matches)]
            if more
            else collect_objects(run.result.data, path, matches)
        )
        if fetch.requires is None:
            await self._fetch_into(path, fetch, objects, run)
            return
        if fetch.context_rewrites:
            await self._fetch_contextual(path, fetch, run, more)
            return
        representations = build_representations(
            objects,
            fetch.requires,
            fetch.input_rewrites,
            self._matches,
            self._key_fields.get(fetch.service_name),
            select=self._selector(fetch, fetch.requires),
        )
        if not representations:
            return
        # issue #18: chunks of at most max_representations_per_fetch, sent concurrently,
        # merged in order (each chunk's answer against its own slice of targets)
        chunks = representations.chunks(
            self._config.subgraph_max_representations(fetch.service_name)
        )
        if len(chunks) == 1:  # the usual case: no task for a lone request
            answers = [await self._send(fetch, self._body(fetch, run, chunks[0]), run)]
        else:
            answers = await asyncio.gather(
                *(self._send(fetch, self._body(fetch, run, chunk), run) for chunk in chunks)
            )
        for chunk, answer in zip(chunks, answers, strict=True):
            entities = answer.data.get("_entities") if isinstance(answer.data, dict) else None
            self._merge_entities(
                path,
                fetch,
                answer,
                entities=entities,
                targets=chunk.targets,
                run=run,
                more=more,
            )

    def _selector(self, fetch: FetchNode, requires: Sequence[RequiresSelection]) -> Selector:
        found = self._selectors.get(id(fetch))
        if found is not None and found[0] is fetch:
            return found[1]
        if len(self._selectors) >= _SELECTORS:
            self._selectors.clear()  # plans evicted from the plan cache leave theirs here
        made = selector(requires, self._matches)
        self._selectors[id(fetch)] = (fetch, made)
        return made

    def _merge_entities(
        self,
        path: tuple[str, ...],
        fetch: FetchNode,
        answer: SubgraphAnswer,
        *,
        entities: object,
        targets: list[list[dict[str, Any]]],
        run: PlanRun,
        more: tuple[tuple[str, ...], ...],
    ) -> None:
        if isinstance(entities, list):
            rewrites = fetch.output_rewrites
            is_object = self._matches.is_object
            for entity, objects in zip(entities, targets, strict=False):
                if isinstance(entity, dict):
                    if rewrites:
                        apply_rewrites(entity, rewrites, self._matches)
                    merge_entity_into(objects, entity, is_object)
        self._entity_errors(path, fetch, answer, targets, run, entities=entities, more=more)

    async def _fetch_contextual(
        self,
        path: tuple[str, ...],
        fetch: FetchNode,
        run: PlanRun,
        more: tuple[tuple[str, ...], ...],
    ) -> None:
        """An ``_entities`` fetch with ``@fromContext`` values (:mod:`.contextual`): one call
        when every entity has the same values, else one aliased call per distinct values."""
        assert fetch.requires is not None
        located = [
            item
            for at in (path, *more)
            for item in collect_with_parents(run.result.data, at, self._matches)
        ]
        groups: list[tuple[dict[str, Any], Representations]] = []
        for values, objects in group_by_values(located, fetch.context_rewrites, self._matches):
            representations = build_representations(
                objects,
                fetch.requires,
                fetch.input_rewrites,
                self._matches,
                self._key_fields.get(fetch.service_name),
            )
            if representations:
                groups.append((values, representations))
        if not groups:
            return
        if len(groups) == 1:
            values, representations = groups[0]
            body = self._body(fetch, run, representations, values)
            answer = await self._send(fetch, body, run)
            entities = answer.data.get("_entities") if isinstance(answer.data, dict) else None
            self._merge_entities(
                path,
                fetch,
                answer,
                entities=entities,
                targets=representations.targets,
                run=run,
                more=more,
            )
            return
        names = tuple(sorted({r.rename_key_to for r in fetch.context_rewrites}))
        operation = aliased_operation(fetch.operation, names, len(groups))
        extra: dict[str, Any] = {}
        for index, (values, representations) in enumerate(groups):
            extra[f"representations_{index}"] = representations.encoded
            extra.update({f"{name}_{index}": value for name, value in values.items()})
        answer = await self._send(fetch, self._body(fetch, run, None, extra, operation), run)
        data = answer.data if isinstance(answer.data, dict) else {}
        combined: list[Any] | None = [] if data else None
        targets: list[list[dict[str, Any]]] = []
        offsets: list[int] = []
        for index, (_, representations) in enumerate(groups):
            offsets.append(len(targets))
            targets.extend(representations.targets)
            part = data.get(f"_{index}")
            if combined is not None:
                items = part if isinstance(part, list) else []
                combined.extend(items[: len(representations)])
                combined.extend([None] * (len(representations) - len(items)))
        answer.errors = [_entities_path(error, offsets) for error in answer.errors]
        self._merge_entities(
            path, fetch, answer, entities=combined, targets=targets, run=run, more=more
        )

    def _entity_errors(
        self,
        path: tuple[str, ...],
        fetch: FetchNode,
        answer: SubgraphAnswer,
        targets: list[list[dict[str, Any]]],
        run: PlanRun,
        *,
        entities: object,
        more: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        if answer.failure is None and not answer.errors and isinstance(entities, list):
            return  # the usual answer: nothing to report
        result = run.result
        shown = display_path(path)
        if answer.failure is not None:
            result.errors.append(with_path(dict(answer.failure), shown))
            result.covered.append(tuple(shown))
        elif not isinstance(entities, list):
            result.covered.append(tuple(shown))
        if not answer.errors:
            return
        paths: dict[int, list[ClientPath]] | None = None

        def client_paths(obj: dict[str, Any]) -> list[ClientPath]:
            nonlocal paths
            if paths is None:
                paths = {}
                for at in (path, *more):
                    for key, found in collect_paths(result.data, at, self._matches).items():
                        paths.setdefault(key, []).extend(found)
            return paths.get(id(obj), [])

        for error in answer.errors:
            for mapped in entity_error(error, fetch.service_name, shown, targets, client_paths):
                result.add_error(mapped)
            index = entity_index(error, len(targets))
            if index is not None and _nulled(entities, index):
                # the subgraph nulled the whole entity: its error explains every field
                for obj in targets[index]:
                    result.covered.extend(client_paths(obj))

    async def _fetch_into(
        self, path: tuple[str, ...], fetch: FetchNode, objects: list[dict[str, Any]], run: PlanRun
    ) -> None:
        """A non-entity fetch under a Flatten: its root answer merges into each object."""
        if not objects:
            return
        answer = await self._send(fetch, self._body(fetch, run), run)
        if isinstance(answer.data, dict):
            for obj in objects:
                deep_merge(obj, orjson.loads(orjson.dumps(answer.data)))
        self._entity_errors(path, fetch, answer, [objects], run, entities=[])


def _entities_path(error: dict[str, Any], offsets: list[int]) -> dict[str, Any]:
    """An error of the aliased call ``_<i>`` at ``[_<i>, j, ...]`` as ``[_entities, k, ...]``
    (``k``: the entity's position in all the calls' representations, in order)."""
    path = error.get("path")
    if isinstance(path, list) and len(path) >= 2 and isinstance(path[0], str):
        alias = path[0]
        if alias.startswith("_") and alias[1:].isdigit() and isinstance(path[1], int):
            index = int(alias[1:])
            if index < len(offsets):
                return {**error, "path": ["_entities", offsets[index] + path[1], *path[2:]]}
    return error


def _nulled(entities: object, index: int) -> bool:
    return isinstance(entities, list) and (index >= len(entities) or entities[index] is None)


def _no_url_error(name: str, reason: str) -> dict[str, Any]:
    return graphql_error(
        f"HTTP fetch failed from '{name}': {reason}",
        "SUBREQUEST_HTTP_ERROR",
        service=name,
        reason=reason,
    )


def _plugin_failure(error: dict[str, Any]) -> SubgraphAnswer:
    """A fetch a plugin refused (:mod:`router.plugins`): its fields null with that error."""
    return SubgraphAnswer(failure=error)
