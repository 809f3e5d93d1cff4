"""Trusted documents per client (issue #18): Apollo persisted query manifests, served by id
and enforced per client (``allow``, ``log_unknown``, ``safelist``), and ``router pq``."""

from __future__ import annotations

from router.trusted.manifest import Manifest, ManifestError, TrustedOperation, load_manifest
from router.trusted.settings import ClientPolicy, PersistedQueriesSettings
from router.trusted.store import ClientDocuments, TrustedDocuments

__all__ = [
    "ClientDocuments",
    "ClientPolicy",
    "Manifest",
    "ManifestError",
    "PersistedQueriesSettings",
    "TrustedDocuments",
    "TrustedOperation",
    "load_manifest",
]
