"""The client response's ``Cache-Control`` and ``Cache-Tag`` headers (issue #17).

Set when the response cache is on (as Apollo Router's response cache sets them).
``Cache-Control``: the merge of every subgraph answer's (Hive Gateway and Apollo Router: lowest
``max-age``, ``private`` over ``public``, ``no-store`` wins), set only on a query answered
without errors (never a mutation, never a partial answer). ``Cache-Tag``: Apollo Router 2.17's
``cdn_invalidation`` header, the comma-separated invalidation labels of the cached subgraphs'
answers (``subgraph-…``, ``type-…``, ``entity-…``), so a CDN can purge by tag; set only on a
response that may be cached (a CDN needs no tags for what it does not store).
"""

from __future__ import annotations

from router.execution.executor import ExecutionResult
from router.request import GraphQLResponse

__all__ = ["apply_cache_headers"]


def apply_cache_headers(
    response: GraphQLResponse,
    result: ExecutionResult,
    operation_type: str,
    tags_header: str | None,
) -> None:
    policy = result.cache_policy
    if operation_type != "query" or response.errors or policy is None:
        return
    if not result.cache_declared:  # no subgraph said anything: neither do we
        return
    response.headers["cache-control"] = policy.header()
    if tags_header and result.cache_tags and policy.cacheable:
        response.headers[tags_header] = ",".join(sorted(result.cache_tags))
