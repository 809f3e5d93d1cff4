"""One poll of a supergraph URL (issue #18), against recorded HTTP answers: the conditional
headers sent, 304, an unchanged text under a new ETag, a broken supergraph (kept out), a new one
(swapped in). The end-to-end test (``requests_e2e/test_supergraph_polling_e2e.py``) runs the loop
against a real server."""

from __future__ import annotations

import httpx

from router.http.supergraph_poll import LivePolledSupergraph, PolledDocument, UrlSupergraphSource
from router.request import GraphQLRequest, GraphQLResponse
from router.supergraph import Supergraph, load_supergraph
from servicekit.topology import PROJECT_ROOT

SDL = (PROJECT_ROOT / "schema" / "supergraph.graphql").read_text()
URL = "http://cdn.test/supergraph.graphql"


class Swaps:
    """The executor side of a reload: records what was swapped in."""

    def __init__(self) -> None:
        self.swapped: list[Supergraph] = []

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        return GraphQLResponse(data=None)

    def swap_supergraph(self, supergraph: Supergraph) -> None:
        self.swapped.append(supergraph)


async def test_each_poll_is_conditional_and_only_a_new_valid_supergraph_is_swapped_in() -> None:
    answers = [
        httpx.Response(304, headers={"etag": '"a"'}),
        httpx.Response(200, text=SDL, headers={"etag": '"b"'}),  # same text, new validator
        httpx.Response(200, text="type Query { broken", headers={"etag": '"c"'}),
        httpx.Response(200, text=SDL + "\n", headers={"etag": '"d"'}),
    ]
    sent: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("if-none-match"))
        return answers[len(sent) - 1]

    source = UrlSupergraphSource(URL)
    source.document = PolledDocument(SDL, '"a"', None)
    swaps = Swaps()
    live = LivePolledSupergraph(source, swaps, load_supergraph(SDL), interval_seconds=1.0)
    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as client:
        results = [await live.poll_once(client) for _ in answers]
    assert results == [False, False, False, True]
    assert sent == ['"a"', '"a"', '"b"', '"b"']  # a broken answer never replaces the validator
    assert (live.polls, live.not_modified, live.reloads, len(swaps.swapped)) == (4, 1, 1, 1)
    assert source.document == PolledDocument(SDL + "\n", '"d"', None)


def test_without_an_etag_the_last_modified_date_is_the_validator() -> None:
    source = UrlSupergraphSource(URL)
    assert source.conditional_headers() == {}
    source.document = PolledDocument(SDL, None, "Thu, 03 Dec 2026 13:00:00 GMT")
    assert source.conditional_headers() == {"if-modified-since": "Thu, 03 Dec 2026 13:00:00 GMT"}
    source.document = PolledDocument(SDL, '"e"', "Thu, 03 Dec 2026 13:00:00 GMT")
    assert source.conditional_headers() == {"if-none-match": '"e"'}
