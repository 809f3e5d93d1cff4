"""A step's pieces sent as persisted ids (one client batch), answered as the aliased ``BffStep``.

With ``router_persisted_ids`` the step batcher does not print ``query BffStep``: it posts the
step's pieces, each by the id of the BFF's router manifest, as one client batch (a JSON array,
Apollo's ``batch_http_link`` format), and the router answers an array in the same order
(``router/http/batching.py``). This module turns that array back into the body the aliased step
would have had, so the batcher maps answers to loads exactly as in text mode:

* ``data[alias]`` is the piece's root field value (``null`` when the piece has no data);
* a piece's error paths start with its root field's response name (``["productsByUpc", 3,
  "reviewSummary"]``, GraphQL spec "Errors", ``path``); that first segment becomes the alias
  (``["e1", 3, "reviewSummary"]``), as the aliased step would have said;
* a piece's error without a path (a request error of that operation alone, such as
  ``PERSISTED_QUERY_NOT_IN_LIST`` or ``REQUEST_RATE_LIMITED`` in its slot) gets the path
  ``[alias]``: it concerns that piece only, where in one ``BffStep`` it would have failed the
  whole step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bff.specs import root_field_of
from bff.step_document import StepPiece

__all__ = ["merge_piece_answers"]


def _response_name(piece: StepPiece) -> str:
    root = root_field_of(piece[1])
    return (root.alias or root.name).value


def _error_at(alias: str, key: str, error: Mapping[str, Any]) -> dict[str, Any]:
    path = error.get("path")
    if isinstance(path, list) and path and path[0] == key:
        return {**error, "path": [alias, *path[1:]]}
    return {**error, "path": [alias]}


def merge_piece_answers(
    pieces: Sequence[StepPiece], answers: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The aliased step's body (``data``, and ``errors`` when any piece had some)."""
    if len(pieces) != len(answers):
        raise ValueError(f"{len(pieces)} pieces but {len(answers)} answers")
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for piece, answer in zip(pieces, answers, strict=True):
        alias, key = piece[0], _response_name(piece)
        piece_data = answer.get("data")
        data[alias] = piece_data.get(key) if isinstance(piece_data, Mapping) else None
        errors += [
            _error_at(alias, key, e) for e in answer.get("errors") or () if isinstance(e, Mapping)
        ]
    return {"data": data, "errors": errors} if errors else {"data": data}
