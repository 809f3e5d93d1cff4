"""The ``persisted_queries:`` section: trusted documents per client (issue #18).

Apollo Router's persisted queries (``enabled``, ``log_unknown``, ``safelist.enabled``,
``safelist.require_id``, ``local_manifests``) apply one policy to every client; its issue 6469
asks for per-client safelisting. Here each client, named by the ``apollographql-client-name``
header (Apollo's client-awareness header), has its own policy and manifests::

    persisted_queries:
      enabled: true
      manifests: [schema/persisted/web.json]        # every client may send these ids
      policy: allow                                 # clients not listed, and no client name
      clients:
        bff-mobile:
          policy: safelist                          # allow | log_unknown | safelist
          require_id: true                          # safelist: refuse text, ids only
          manifests:
            - schema/persisted/bff-mobile.router.json
            - https://manifests.example/mobile.json # read at start-up

Manifests are Apollo's persisted query manifest files
(``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [...]}``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ClientPolicy", "PersistedQueriesSettings", "Policy"]

Policy = Literal["allow", "log_unknown", "safelist"]


class ClientPolicy(BaseModel):
    """One client's policy and the manifests only it may use (added to the shared ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Policy = "allow"
    """``allow``: any operation; ``log_unknown``: any, logging those not in its manifests;
    ``safelist``: only operations in its manifests (``PERSISTED_QUERY_NOT_IN_LIST``)."""
    require_id: bool = False
    """With ``safelist``: operation text is refused even when listed (Apollo's
    ``safelist.require_id``, ``PERSISTED_QUERY_ID_REQUIRED``)."""
    manifests: tuple[str, ...] = ()
    """Files or ``http(s)`` URLs."""


class PersistedQueriesSettings(ClientPolicy):
    """The section: its own ``policy``/``require_id``/``manifests`` are the defaults every
    client gets (a listed client's manifests are added to the shared ones)."""

    enabled: bool = False
    clients: dict[str, ClientPolicy] = Field(default_factory=dict)
    client_name_header: str = "apollographql-client-name"
    manifest_timeout_seconds: float = Field(default=10.0, gt=0)
    """How long reading a manifest URL may take at start-up."""
