"""Example plugins (issue #18), each a complete, tested plugin: :mod:`.tenant_guard` and
:mod:`.policy_evaluator`. Registered as entry points of the ``router.plugins`` group."""

from __future__ import annotations

__all__: list[str] = []
