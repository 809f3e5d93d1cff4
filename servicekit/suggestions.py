"""Hide schema details from clients in production: the "Did you mean ...?" hints of validation
and coercion errors name fields, types, arguments and enum values the caller never asked about,
which rebuilds the schema piece by piece with introspection switched off.

The same rule as Apollo Server's ``hideSchemaDetailsFromClientErrors`` (it strips
``/ Did you mean ".+"\\?$/``), for graphql-core's wording (single quotes, and also
"Did you mean to use an inline fragment on 'T'?", "Did you mean the enum value 'V'?").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["mask_suggestions", "strip_suggestion"]

_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)


def strip_suggestion(message: str) -> str:
    """``message`` without a trailing "Did you mean ...?" sentence."""
    return _SUGGESTION.sub("", message)


def mask_suggestions(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """GraphQL error objects with their messages stripped (new dicts, the rest untouched)."""
    masked: list[dict[str, Any]] = []
    for error in errors:
        copy = dict(error)
        message = copy.get("message")
        if isinstance(message, str):
            copy["message"] = strip_suggestion(message)
        masked.append(copy)
    return masked
