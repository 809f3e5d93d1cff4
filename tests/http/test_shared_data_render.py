"""Inbound deduplication encodes a shared ``data`` tree once (router.request.EncodedData): the
bytes each sharer receives are those of an unshared render, and a sharer whose ``data`` was
replaced after the copy (a plugin) is rendered from its own tree."""

from __future__ import annotations

import asyncio

import orjson

from router.execution.inbound import InboundDeduplicator
from router.http.negotiation import GRAPHQL_RESPONSE_JSON
from router.http.render import graphql_response
from router.request import GraphQLResponse

DATA = {"users": [{"id": "1", "name": "Ada", "tags": ["a", None]}, {"id": "2", "name": "Él"}]}
ERRORS = [{"message": "partial", "path": ["users", 1, "x"], "extensions": {"code": "E"}}]


async def _shared(count: int) -> list[GraphQLResponse]:
    """``count`` concurrent identical requests, answered by one execution."""
    dedupe = InboundDeduplicator()
    release = asyncio.Event()

    async def execute() -> GraphQLResponse:
        await release.wait()
        return GraphQLResponse(data=DATA, errors=list(ERRORS), extensions={"n": 1})

    waiting = [asyncio.ensure_future(dedupe.run("key", execute)) for _ in range(count)]
    await asyncio.sleep(0)
    release.set()
    responses = await asyncio.wait_for(asyncio.gather(*waiting), 5)
    assert dedupe.shared == count - 1
    return responses


async def test_every_sharer_gets_the_bytes_of_an_unshared_render() -> None:
    first, second = await _shared(2)
    assert first.shared_data is not None and first.shared_data is second.shared_data
    expected = (
        b'{"errors":[{"message":"partial","path":["users",1,"x"],"extensions":{"code":"E"}}],'
        b'"data":{"users":[{"id":"1","name":"Ada","tags":["a",null]},'
        b'{"id":"2","name":"\xc3\x89l"}]},"extensions":{"n":1}}'
    )
    for response in (first, second):
        rendered = graphql_response(response, GRAPHQL_RESPONSE_JSON)
        assert (rendered.status_code, rendered.body) == (200, expected)
    unshared = GraphQLResponse(data=DATA, errors=list(ERRORS), extensions={"n": 1})
    assert graphql_response(unshared, GRAPHQL_RESPONSE_JSON).body == expected


async def test_a_sharer_whose_data_was_replaced_renders_its_own() -> None:
    first, second = await _shared(2)
    graphql_response(first, GRAPHQL_RESPONSE_JSON)  # the shared bytes are encoded now
    second.data = {"users": []}
    body = orjson.loads(graphql_response(second, GRAPHQL_RESPONSE_JSON).body)
    assert body == {"errors": ERRORS, "data": {"users": []}, "extensions": {"n": 1}}
