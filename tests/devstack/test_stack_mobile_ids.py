"""What ``make dev`` runs (``stack up``, ``config/router.dev.yaml``): the mobile BFF sends its
router operations by id (``BFF_MOBILE_ROUTER_PERSISTED_IDS=true``) and the router safelists
client ``bff-mobile`` (issue #18). Real processes on free ports: the mobile screen answers in
full, and the router refuses the step text the BFF used to send."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bff.step_document import step_document
from bff_mobile.loaders import FEED
from servicekit.processes import free_port
from subgraphs.seeding import SeedSizes, generate
from tests.bff import expected
from tests.devstack.stackrun import StackRun, bound

pytestmark = [pytest.mark.e2e]

SERVICES = ("accounts", "products", "inventory", "reviews", "router", "bff_mobile")
SCREEN = (
    "query Feed { feed(first: 3) { tiles { upc name price inStock rating } endCursor hasMore } }"
)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, int]]:
    ports = {name: free_port() for name in SERVICES}
    args = ["--data-dir", str(tmp_path)]
    args += [f"--only={name}" for name in ports]
    args += [f"--port={name}={port}" for name, port in ports.items()]
    run = StackRun(args)
    try:
        run.wait_for("services ready", timeout=240)
        yield ports
        run.signal_group(signal.SIGINT)
        assert run.wait_exit() == 0
        assert bound(list(ports.values())) == []
    finally:
        run.cleanup()


def test_the_dev_stack_serves_the_mobile_bff_by_id_only(stack: dict[str, int]) -> None:
    bff = f"http://127.0.0.1:{stack['bff_mobile']}/graphql"
    router = f"http://127.0.0.1:{stack['router']}/graphql"
    step = {
        "query": step_document([("r0_0", FEED.operation)]),
        "variables": {"r0_0_first": 3, "r0_0_after": None},
        "operationName": "BffStep",
    }
    with httpx.Client(timeout=30) as http:
        screen = http.post(bff, json={"query": SCREEN})
        refused = http.post(router, json=step, headers={"apollographql-client-name": "bff-mobile"})
    assert (screen.status_code, screen.json()) == (
        200,
        {"data": expected.feed(generate(SeedSizes()), 3)},
    )
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "errors": [
                {
                    "message": "The operation body was not found in the persisted query list",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
                }
            ]
        },
    )
