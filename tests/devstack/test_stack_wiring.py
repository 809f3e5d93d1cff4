"""One port map for every URL, one data folder for every file (issues #11, #12), over real
processes: accounts, the router and the web BFF all moved to free ports with ``--port``. The router
and the BFF verify a token against the JWKS of the MOVED accounts (they used to fetch it from
127.0.0.1:4001), the BFF calls the moved router, and the stores, logs, signing keys and the
generated identity secret (mode 0600, the same in the router's and the subgraph's environment)
are all under ``--data-dir``."""

from __future__ import annotations

import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from servicekit.auth import KeyStore
from servicekit.processes import free_port
from subgraphs.seeding import SeedSizes, generate
from tests.devstack.stackrun import StackRun, bound

pytestmark = [pytest.mark.e2e]

LOGIN = 'mutation($u: String!) { login(username: $u, password: "demo-password") { token } }'


def _environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[StackRun, dict[str, int]]]:
    ports = {name: free_port() for name in ("accounts", "router", "bff_web")}
    args = ["--data-dir", str(tmp_path)]
    args += [f"--only={name}" for name in ports]
    args += [f"--port={name}={port}" for name, port in ports.items()]
    run = StackRun(args)
    try:
        run.wait_for("services ready", timeout=240)
        yield run, ports
        run.signal_group(signal.SIGINT)
        assert run.wait_exit() == 0
        assert run.survivors_after() == {}
        assert bound(list(ports.values())) == []
    finally:
        run.cleanup()


def test_moved_ports_and_data_folder_reach_every_service(
    stack: tuple[StackRun, dict[str, int]], tmp_path: Path
) -> None:
    run, ports = stack
    router = f"http://127.0.0.1:{ports['router']}/graphql"
    bff = f"http://127.0.0.1:{ports['bff_web']}/graphql"
    user = generate(SeedSizes()).users[0]
    with httpx.Client(timeout=30) as http:
        login = http.post(router, json={"query": LOGIN, "variables": {"u": user.username}})
        token = login.json()["data"]["login"]["token"]
        bearer = {"authorization": f"Bearer {token}"}
        me = http.post(router, json={"query": "{ me { id username } }"}, headers=bearer)
        assert me.json() == {"data": {"me": {"id": str(user.id), "username": user.username}}}
        verified = http.post(bff, json={"query": "{ __typename }"}, headers=bearer)
        assert (verified.status_code, verified.json()) == (200, {"data": {"__typename": "Query"}})
        ready = http.get(f"http://127.0.0.1:{ports['bff_web']}/ready").json()
        assert ready["checks"]["router"] == {"ok": True, "url": router}
        jwks = http.get(f"http://127.0.0.1:{ports['accounts']}/.well-known/jwks.json").json()

    keys = KeyStore(tmp_path / "keys").load()
    assert keys is not None
    assert [key["kid"] for key in jwks["keys"]] == [keys.current.kid]
    secret_file = tmp_path / "secrets" / "identity.key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    for fragment in ("serve accounts", "router --supergraph"):
        assert _environment(run.wait_for_child(fragment))["IDENTITY_HMAC_SECRET"] == secret
    assert sorted(p.name for p in (tmp_path / "logs").glob("*.log")) == [
        "accounts.log",
        "bff_web.log",
        "router.log",
        "seed.log",
    ]
    assert (tmp_path / "accounts.db").is_file()
    config = (tmp_path / "router.dev.yaml").read_text()
    assert f"jwks_url: http://127.0.0.1:{ports['accounts']}/.well-known/jwks.json" in config
