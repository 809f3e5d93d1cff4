"""The router's HTTP surface: GraphQL over HTTP, GraphiQL with query plans, APQ in Redis.

See ``router/http/README.md``. Public surface: :func:`create_app`, :class:`ApqStore`,
:class:`Executor`.
"""

from __future__ import annotations

from router.http.app import create_app, endpoint_options
from router.http.apq import ApqStore
from router.http.executor import Executor

__all__ = ["ApqStore", "Executor", "create_app", "endpoint_options"]
