"""The login throttle's per-client bucket behind the router, over real processes (the dev stack's
accounts service and router, real Redis). Every login reaches accounts from the router's
address, so before the router forwarded the client's address (``forward_client_address``,
shipped for accounts in config/router.dev.yaml) and accounts trusted it from the router only
(``ACCOUNTS_TRUSTED_PROXIES``, set by devstack/services.py), all clients shared one bucket: a
few failures from one client locked everyone out. Clients are told apart by their loopback
source address (127.0.0.0/8 all reaches this host); the router's own is 127.0.0.1 (issue #11).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from devstack.services import DEV_CONFIG
from servicekit.topology import PROJECT_ROOT
from tests.support.stack import RunningStack, running_stack

pytestmark = pytest.mark.e2e

LOGIN = "mutation L($u: String!, $p: String!) { login(username: $u, password: $p) { user { id } } }"
MAX_FAILURES_PER_CLIENT = 2


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    tmp = tmp_path_factory.mktemp("login-behind-router")
    # the router's shipped setting for its subgraphs, without the dev config's other parts
    # (its per-IP rate limit and JWKS URL belong to `make dev`'s ports)
    shipped = yaml.safe_load((PROJECT_ROOT / DEV_CONFIG).read_text())["subgraphs"]
    config = tmp / "router.yaml"
    config.write_text(yaml.safe_dump({"http": {"redis_url": None}, "subgraphs": shipped}))
    accounts = {
        "ACCOUNTS_LOGIN_MAX_FAILURES_PER_CLIENT": str(MAX_FAILURES_PER_CLIENT),
        "ACCOUNTS_LOGIN_MAX_FAILURES_PER_USERNAME": "1000",
    }
    with running_stack(
        Path(tmp),
        ["accounts", "router"],
        extra_env={"accounts": accounts, "router": {"ROUTER_CONFIG": str(config)}},
        ready_timeout_seconds=180,
    ) as running:
        yield running


def _login(url: str, source: str, username: str, **headers: str) -> Any:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=60) as client:
        variables = {"u": username, "p": "wrong-password"}
        response = client.post(url, json={"query": LOGIN, "variables": variables}, headers=headers)
    return response.status_code, response.json()


def _answer(message: str, code: str, via_router: bool, **extensions: Any) -> Any:
    """The whole response: the router passes the subgraph's error on with its ``service`` and
    without the subgraph document's locations."""
    error: dict[str, Any] = {"message": message, "path": ["login"]}
    if via_router:
        error["extensions"] = {"code": code, **extensions, "service": "accounts"}
    else:
        error["locations"] = [{"line": 1, "column": 40}]
        error["extensions"] = {"code": code, **extensions}
    return (200, {"data": None, "errors": [error]})


def invalid(via_router: bool = True) -> Any:
    return _answer("invalid username or password", "INVALID_CREDENTIALS", via_router)


def throttled(answer: Any, via_router: bool = True) -> Any:
    """``answer`` if it is the per-client refusal (its ``retryAfter`` within the window)."""
    retry_after = answer[1]["errors"][0]["extensions"].get("retryAfter")
    assert isinstance(retry_after, int) and 1 <= retry_after <= 300, answer
    message = f"too many failed logins for this client; retry in {retry_after} s"
    return _answer(message, "LOGIN_THROTTLED", via_router, retryAfter=retry_after, by="client")


def test_two_clients_behind_the_router_have_their_own_buckets(stack: RunningStack) -> None:
    router = stack.urls["router"]
    for index in range(MAX_FAILURES_PER_CLIENT):
        assert _login(router, "127.0.0.3", f"nobody-a{index}") == invalid()
    refused = _login(router, "127.0.0.3", "nobody-a9")
    assert refused == throttled(refused)
    # another client through the same router: its own bucket, still empty
    assert _login(router, "127.0.0.4", "nobody-b0") == invalid()
    # naming the throttled client in X-Forwarded-For does not move a client into its bucket
    # (the router trusts no proxy, so it forwards the TCP peer, replacing the header)
    claimed = {"x-forwarded-for": "127.0.0.3"}
    assert _login(router, "127.0.0.5", "nobody-c0", **claimed) == invalid()


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(stack: RunningStack) -> None:
    accounts = stack.urls["accounts"]
    # straight to accounts from 127.0.0.2, each time claiming to forward a new client
    for index in range(MAX_FAILURES_PER_CLIENT):
        spoofed = {"x-forwarded-for": f"198.51.100.{index + 1}"}
        answer = _login(accounts, "127.0.0.2", f"nobody-d{index}", **spoofed)
        assert answer == invalid(via_router=False)
    spoofed = {"x-forwarded-for": "198.51.100.99", "forwarded": "for=198.51.100.98"}
    refused = _login(accounts, "127.0.0.2", "nobody-d9", **spoofed)
    assert refused == throttled(refused, via_router=False)
