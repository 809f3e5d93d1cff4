"""The properties every fuzzed response must have (GraphQL spec section "Response", the
GraphQL-over-HTTP spec sections "Response", "application/json", "application/graphql-response+json").

``check_response`` raises ``AssertionError`` naming the broken rule; ``check_shape`` checks that
every requested response key is present in every non-null object of ``data``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import orjson
from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

__all__ = ["CASES", "ERRORS", "OUTCOMES", "check_response", "check_shape", "media_type_of"]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
ALLOWED_STATUSES = {200, 400, 405, 406, 413, 415}

CASES: Counter[str] = Counter()
"""Cases run per target (printed by the fuzz conftest at the end of the run)."""
OUTCOMES: Counter[str] = Counter()
"""What the answers were (status and whether ``data`` came back), to see what the cases reached."""
ERRORS: Counter[str] = Counter()
"""Error codes and messages (digits folded), the most frequent printed in the summary."""


def media_type_of(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _check_location(location: Any) -> None:
    assert isinstance(location, dict), f"location is not an object: {location!r}"
    for key in ("line", "column"):
        value = location.get(key)
        assert type(value) is int, f"location {key} is not an int: {location!r}"


def _check_error(error: Any) -> None:
    assert isinstance(error, dict), f"error is not an object: {error!r}"
    assert isinstance(error.get("message"), str), f"error without a string message: {error!r}"
    if "locations" in error:
        assert isinstance(error["locations"], list), f"locations is not a list: {error!r}"
        for location in error["locations"]:
            _check_location(location)
    if "path" in error:
        path = error["path"]
        assert isinstance(path, list), f"path is not a list: {error!r}"
        assert all(type(p) in (str, int) for p in path), f"path has a non str/int: {error!r}"
    if "extensions" in error:
        assert isinstance(error["extensions"], dict), f"extensions not an object: {error!r}"


def check_response(
    response: httpx.Response, *, well_formed: bool = False, batch: bool = False
) -> dict[str, Any]:
    """The body, after checking the rules every answer of a GraphQL endpoint must follow.

    ``well_formed``: the request is a well-formed GraphQL-over-HTTP request (POST JSON object
    with a string ``query`` and properly typed parameters, an acceptable ``Accept``), so an
    ``application/json`` answer must be 200. ``batch``: the body was a JSON array and the router
    batches (Apollo's client batching, issue #18): the answer may be an array with one answer
    per operation, each following the same rules (returned as ``{"batch": [...]}``)."""
    status = response.status_code
    context = f"{status} {response.headers.get('content-type')!r} {response.text[:400]!r}"
    assert status < 500, f"server error: {context}"
    assert status in ALLOWED_STATUSES, f"unexpected status: {context}"
    media_type = media_type_of(response)
    assert media_type in (JSON, GRAPHQL_RESPONSE_JSON), f"not a JSON media type: {context}"
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as error:
        raise AssertionError(f"body is not JSON: {context}") from error
    if batch and isinstance(body, list):
        assert body and status == 200, f"a batch answer must be a non-empty 200 array: {context}"
        for item in body:
            _check_body(item, status, media_type, False, context)
        return {"batch": body}
    _check_body(body, status, media_type, well_formed, context)
    if status == 405:
        assert "allow" in response.headers, f"405 without Allow: {context}"
    return body


def _check_body(body: Any, status: int, media_type: str, well_formed: bool, context: str) -> None:
    assert isinstance(body, dict), f"body is not an object: {context}"
    assert "errors" in body or "data" in body, f"neither data nor errors: {context}"
    if "errors" in body:
        errors = body["errors"]
        assert isinstance(errors, list) and errors, f"errors is not a non-empty list: {context}"
        for error in errors:
            _check_error(error)
    if "data" in body:
        assert body["data"] is None or isinstance(body["data"], dict), f"bad data: {context}"
        assert status == 200, f"data with a non-200 status: {context}"
    if media_type == GRAPHQL_RESPONSE_JSON and status == 400:
        assert "data" not in body, f"400 with data: {context}"
    if media_type == JSON and well_formed:
        assert status == 200, f"well-formed request not answered 200 under {JSON}: {context}"
    data = "no data" if "data" not in body else "data null" if body["data"] is None else "data"
    OUTCOMES[f"{status} {data}"] += 1
    for error in body.get("errors", ()):
        code = error.get("extensions", {}).get("code", "-")
        ERRORS[f"{code}: {re.sub(r'[0-9]+', 'N', error['message'])[:70]}"] += 1


def _included(node: Any, variables: dict[str, Any]) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        argument = directive.arguments[0].value
        if isinstance(argument, VariableNode):
            value = bool(variables.get(argument.name.value))
        else:
            value = isinstance(argument, BooleanValueNode) and argument.value
        if (name == "skip") == value:
            return False
    return True


def _collect(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    into: dict[str, list[FieldNode]],
) -> dict[str, list[FieldNode]]:
    """Response key -> its field nodes (type conditions always match: every generated
    fragment is on the parent's own object type)."""
    for selection in selection_set.selections:
        if not _included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            into.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, fragments, variables, into)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            _collect(fragment.selection_set, fragments, variables, into)
    return into


def _check_value(
    value: Any,
    fields: list[FieldNode],
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    path: str,
) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, fields, fragments, variables, f"{path}.{index}")
        return
    subselections = [f.selection_set for f in fields if f.selection_set is not None]
    if not subselections:
        return
    assert isinstance(value, dict), f"{path}: an object was selected, got {value!r}"
    expected: dict[str, list[FieldNode]] = {}
    for selection_set in subselections:
        _collect(selection_set, fragments, variables, expected)
    missing = sorted(set(expected) - set(value))
    extra = sorted(set(value) - set(expected))
    assert not missing and not extra, f"{path}: missing keys {missing}, extra keys {extra}"
    for key, key_fields in expected.items():
        _check_value(value[key], key_fields, fragments, variables, f"{path}.{key}")


def check_shape(document: DocumentNode, variables: dict[str, Any], data: Any) -> None:
    """Every requested response key is in every non-null object, and nothing else is."""
    if data is None:
        return
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root = FieldNode(selection_set=operation.selection_set, directives=())
    _check_value(data, [root], fragments, variables, "data")
