"""Header rules both ways (issue #18): client → subgraph (Apollo Router's propagation model),
subgraph → client (Hive Router's response rules, every ``Set-Cookie`` kept), and the CORS lists
they imply. Configured in the ``headers:`` section (:mod:`router.headers.settings`)."""

from __future__ import annotations

from router.headers.cors import cors_with_header_rules
from router.headers.response import ResponseHeaderSink, collecting, current_sink
from router.headers.rules import apply_request_rules, select_response_headers
from router.headers.settings import HeadersSettings

__all__ = [
    "HeadersSettings",
    "ResponseHeaderSink",
    "apply_request_rules",
    "collecting",
    "cors_with_header_rules",
    "current_sink",
    "select_response_headers",
]
