"""Response media type negotiation from the ``Accept`` header.

Implements GraphQL-over-HTTP, sections "Accept" and "Legacy Watershed": the server supports
``application/graphql-response+json`` and ``application/json``; a request without ``Accept`` is
treated as ``Accept: application/graphql-response+json`` (the watershed, 2025-01-01, has passed);
when neither type is acceptable the server answers 406 Not Acceptable. Among equally preferred
types ``application/graphql-response+json`` wins. ``text/html`` is recognised separately so a
browser GET of the endpoint can be answered with GraphiQL.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GRAPHQL_RESPONSE_JSON",
    "JSON",
    "AcceptEntry",
    "choose_media_type",
    "parse_accept",
    "prefers_html",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)


@dataclass(frozen=True, slots=True)
class AcceptEntry:
    """One media range of an ``Accept`` header with its quality (RFC 9110, section 12.5.1)."""

    media_range: str
    quality: float

    def matches(self, media_type: str) -> bool:
        if self.media_range in ("*/*", media_type):
            return True
        kind, _, subtype = self.media_range.partition("/")
        return subtype == "*" and media_type.startswith(kind + "/")

    @property
    def specificity(self) -> int:
        if self.media_range == "*/*":
            return 0
        return 1 if self.media_range.endswith("/*") else 2


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def parse_accept(header: str) -> list[AcceptEntry]:
    """The media ranges of an ``Accept`` header; parameters other than ``q`` are ignored."""
    entries = []
    for part in header.split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        if media_range:
            entries.append(AcceptEntry(media_range.lower(), _quality(parameters)))
    return entries


def _quality_for(entries: list[AcceptEntry], media_type: str) -> float:
    """The quality of the most specific range matching ``media_type`` (0 when none matches)."""
    matching = [entry for entry in entries if entry.matches(media_type)]
    if not matching:
        return 0.0
    return max(matching, key=lambda entry: entry.specificity).quality


def choose_media_type(accept: str | None) -> str | None:
    """The response media type, or ``None`` when the client accepts neither (406)."""
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    entries = parse_accept(accept)
    best, best_quality = None, 0.0
    for media_type in _SUPPORTED:
        quality = _quality_for(entries, media_type)
        if quality > best_quality:
            best, best_quality = media_type, quality
    return best


def prefers_html(accept: str | None) -> bool:
    """A browser navigation: ``text/html`` explicitly acceptable and preferred over JSON."""
    if not accept:
        return False
    entries = parse_accept(accept)
    explicit_html = [e for e in entries if e.media_range == "text/html" and e.quality > 0]
    if not explicit_html:
        return False
    json_quality = max(_quality_for(entries, media_type) for media_type in _SUPPORTED)
    return explicit_html[0].quality >= json_quality
