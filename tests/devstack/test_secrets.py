"""No secret in the repository (issue #11): the files the before-stop hook scans hold none,
compose.yaml takes its secrets from the git-ignored .env, ``stack env-file`` writes that file
privately, and a production router that verifies tokens refuses to start without an
identity-forwarding secret (a real ``router`` process: exit 2 and a message saying what to set)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from devstack.secrets import identity_secret
from servicekit.processes import free_port
from servicekit.topology import PROJECT_ROOT

# The pattern of /work/shared/hooks/before-stop (3b), over the same kinds of files.
SECRET_VALUE = re.compile(
    r"""(secret|password|private_key)["']?\s*[:=]\s*["']?[A-Za-z0-9_+/-]{8,}""", re.IGNORECASE
)
SCANNED = ("*.yaml", "*.yml", "*.toml", "*.env", "*.json")
HARMLESS = re.compile(r"example|placeholder|changeme|\$\{", re.IGNORECASE)


def _tracked(*patterns: str) -> list[Path]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    )
    return [PROJECT_ROOT / name for name in listing.stdout.decode().split("\0") if name]


def test_no_committed_file_holds_a_secret_value() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {line.strip()}"
        for path in _tracked(*SCANNED)
        for line in path.read_text(errors="replace").splitlines()
        if SECRET_VALUE.search(line) and not HARMLESS.search(line)
    ]
    assert found == []


def test_compose_takes_every_secret_from_the_ignored_env_file() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    required = "${IDENTITY_HMAC_SECRET:?run `stack env-file` (see .env.example)}"
    for name in ("accounts", "products", "inventory", "reviews", "orders", "payments", "router"):
        assert compose["services"][name]["environment"]["IDENTITY_HMAC_SECRET"] == required
    postgres = compose["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"] == (
        "${POSTGRES_PASSWORD:?run `stack env-file` (see .env.example)}"
    )
    example = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    assert [line for line in example if line and not line.startswith("#")] == [
        "IDENTITY_HMAC_SECRET=",
        "POSTGRES_PASSWORD=",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", ".env", "data/secrets/identity.key", ".env.example"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == [".env", "data/secrets/identity.key"]


def test_env_file_and_identity_secret_are_private_and_random(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    result = subprocess.run(
        [sys.executable, "-m", "devstack.cli", "env-file", "--output", str(target)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert result.stdout == (
        f"wrote {target} (mode 0600) with fresh IDENTITY_HMAC_SECRET, POSTGRES_PASSWORD\n"
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in target.read_text().splitlines())
    assert sorted(values) == ["IDENTITY_HMAC_SECRET", "POSTGRES_PASSWORD"]
    assert all(len(value) >= 43 for value in values.values())  # 32 random bytes, base64url
    again = subprocess.run(
        [sys.executable, "-m", "devstack.cli", "env-file", "--output", str(target)],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert (again.returncode, again.stderr.strip()) == (
        1,
        f"stack: {target} exists; delete it first to generate new secrets",
    )

    key = tmp_path / "data" / "secrets" / "identity.key"
    first = identity_secret(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert identity_secret(key) == first  # one per data folder, kept across runs
    assert identity_secret(tmp_path / "other" / "identity.key") != first


def test_a_production_router_refuses_to_start_without_the_identity_secret() -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in {"IDENTITY_HMAC_SECRET", "ROUTER_CONFIG"}
    }
    port = free_port()
    argv = [str(Path(sys.executable).parent / "router"), "--supergraph", "schema/supergraph.graphql",
            "--config", "config/router.dev.yaml", "--prod", "--port", str(port)]  # fmt: skip
    router = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while router.poll() is None and time.monotonic() < deadline:
            try:  # the old router started serving here
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert router.poll() == 2
        _, stderr = router.communicate(timeout=10)
    finally:
        router.kill()
        router.wait(timeout=10)
    assert stderr.strip().splitlines()[-1] == (
        "router: production mode verifies bearer tokens but has no identity-forwarding secret: "
        "set IDENTITY_HMAC_SECRET (or identity_forwarding.secret in the config) to the random "
        "secret the subgraphs share; refusing to start"
    )
