"""Insert the accounts part of the generated demo data.

Every seeded user can log in with :data:`DEMO_PASSWORD` (documented in subgraphs/README.md). Its
Argon2id hash is computed once and kept here (:data:`DEMO_PASSWORD_HASH`), so seeding stays fast
whatever the number of users and reseeding gives the same rows.
"""

from __future__ import annotations

from dataclasses import asdict

from subgraphs.accounts.models import Credential, User
from subgraphs.common.db import Database
from subgraphs.common.seed import replace_rows
from subgraphs.seeding import SeedData

__all__ = ["DEMO_PASSWORD", "DEMO_PASSWORD_HASH", "seed"]

DEMO_PASSWORD = "demo-password"
DEMO_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$CeyQnl8ID0tOV/ZY1QNG1A$vbeiGUybYH7usvz8u9PuXMcjsHBacgCfHE4Z5XHcMYs"
"""``PasswordHashing().hash_password(DEMO_PASSWORD)``; verified by tests/subgraphs."""


async def seed(db: Database, data: SeedData) -> dict[str, int]:
    credentials = [
        {"user_id": u.id, "password_hash": DEMO_PASSWORD_HASH, "last_login_at": None}
        for u in data.users
    ]
    return await replace_rows(
        db, [(User, [asdict(u) for u in data.users]), (Credential, credentials)]
    )
