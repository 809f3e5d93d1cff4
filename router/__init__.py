"""The federation router: supergraph model, composition, planning, execution and HTTP surface."""

from __future__ import annotations

from router.native import install

# Issue #20: the mypyc-compiled hot modules when a fresh build exists (router/native.py).
install()

__all__: list[str] = []
