"""Log a GraphQL error a client caused (validation, bad input, OUT_OF_STOCK: a ``GraphQLError``
raised on purpose) as one INFO line, and keep ERROR with its traceback for real failures.

Strawberry (``strawberry.execution``) and Ariadne (``ariadne``) log every error at ERROR with a
traceback; a logging filter on their loggers is the one place both are corrected.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError

__all__ = ["install_client_error_filter", "is_client_error"]

LIBRARY_LOGGERS = ("strawberry.execution", "ariadne")


def is_client_error(error: object) -> bool:
    """A GraphQL error with no underlying exception, or one wrapping a ``GraphQLError``."""
    if not isinstance(error, GraphQLError):
        return False
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class _ClientErrorFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if is_client_error(error) and isinstance(error, GraphQLError):
            record.msg, record.args = error.message, ()
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def install_client_error_filter() -> None:
    """Idempotent: at most one filter per library logger."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ClientErrorFilter) for f in logger.filters):
            logger.addFilter(_ClientErrorFilter())
