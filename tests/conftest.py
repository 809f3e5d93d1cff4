"""Fixtures every test package can use: real Redis (a unique key prefix per test) and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from router.native import describe
from servicekit.redis import create_redis
from tests.support.databases import temporary_postgres_database

REDIS_URL = "redis://127.0.0.1:6379/0"

# Issue #20: a production router or BFF runs one worker per core unless told otherwise. The suites
# observe per-process state (/metrics, breakers in /ready, dedup counters), so the processes they
# start run one worker; tests/servicekit/test_workers_e2e.py asks for more with --workers.
for _variable in ("ROUTER_WORKERS", "BFF_WEB_WORKERS", "BFF_MOBILE_WORKERS"):
    os.environ.setdefault(_variable, "1")


def pytest_report_header() -> str:
    """Whether the router's hot modules run compiled (issue #20, router/native.py): a stale build
    is never loaded, and tests/test_native.py fails on it."""
    return f"router native modules: {describe()}"


# Under CI a skip or xfail fails the session unless tests/ci_allowed_skips.toml accepts it.
pytest_plugins = ["tests.ci_guard"]


@pytest.fixture(scope="session", autouse=True)
def keys_outside_the_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The accounts service (in-process or a child process, which inherits the environment)
    keeps its signing keys here, never in the repository's data/keys: tests do not write into
    data/."""
    keys = tmp_path_factory.mktemp("accounts-keys")
    previous = os.environ.get("ACCOUNTS_KEYS_DIR")
    os.environ["ACCOUNTS_KEYS_DIR"] = str(keys)
    yield keys
    if previous is None:
        os.environ.pop("ACCOUNTS_KEYS_DIR", None)
    else:
        os.environ["ACCOUNTS_KEYS_DIR"] = previous


@pytest.fixture(scope="session", autouse=True)
def events_namespace_of_the_session() -> Iterator[str]:
    """In-process services of this session publish and consume on a namespace of their own,
    never the dev stack's ``shop`` on the shared Redis (issue #15); stacks of child processes
    get one each (tests/support/stack.py)."""
    name = f"tests_{uuid.uuid4().hex[:10]}"
    previous = os.environ.get("EVENTS_NAMESPACE")
    os.environ["EVENTS_NAMESPACE"] = name
    yield name
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    leftovers = list(client.scan_iter(match=f"{name}.*"))
    if leftovers:
        client.delete(*leftovers)
    client.close()
    if previous is None:
        os.environ.pop("EVENTS_NAMESPACE", None)
    else:
        os.environ["EVENTS_NAMESPACE"] = previous


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def redis_namespace() -> str:
    """A key prefix no other test uses; tests never FLUSHALL a shared server."""
    return f"test:{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def redis_client(redis_namespace: str) -> AsyncIterator[Redis]:
    client = create_redis(REDIS_URL, timeout_seconds=2.0)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{redis_namespace}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave files for people to look at (screenshots, logs)."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def subgraph_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The five subgraphs as real processes on free ports over seeded SQLite stores (default
    seed sizes), once per session: subgraph name -> GraphQL URL. See tests/support/stack.py."""
    from tests.support.stack import running_stack

    with running_stack(tmp_path_factory.mktemp("subgraph-stack")) as stack:
        yield dict(stack.urls)
