"""The schema registry as a service (issue #19): subgraphs publish their SDL and routing URL over
an authenticated HTTP API, each publish is composed and checked like ``schema check`` and
accepted or rejected with the reasons, accepted versions are kept with their history, and
routers long-poll the current supergraph (with ETags) and learn every replica's routing URL.

``store`` (SQLModel tables; SQLite by default, PostgreSQL by URL), ``publishing`` (the check and
the bookkeeping of one publish), ``app`` (the HTTP API), ``cli`` (the ``registry`` script).
"""

from __future__ import annotations

__all__: list[str] = []
