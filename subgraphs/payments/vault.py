"""The demo provider's vault in the payments store: the payment methods it created, by token.

A real provider keeps the card behind the token in its own PCI-scoped vault; the demo keeps only
what it shows and what it decided (brand, last four digits, the outcome), never the number.
"""

from __future__ import annotations

from subgraphs.common.clock import utcnow
from subgraphs.common.db import Database
from subgraphs.payments.models import StoredPaymentMethod
from subgraphs.payments.provider import MethodDetails

__all__ = ["StoreVault"]


class StoreVault:
    """:class:`subgraphs.payments.provider.Vault` over the payments store."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, token: str, details: MethodDetails) -> None:
        row = StoredPaymentMethod(
            token=token,
            brand=details.brand,
            last4=details.last4,
            decline=details.decline,
            created_at=utcnow(),
        )
        async with self.db.session() as session, session.begin():
            session.add(row)

    async def load(self, token: str) -> MethodDetails | None:
        async with self.db.session() as session:
            row = await session.get(StoredPaymentMethod, token)
        return None if row is None else MethodDetails(row.brand, row.last4, row.decline)
