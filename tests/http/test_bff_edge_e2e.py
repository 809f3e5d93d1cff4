"""Issue #11 at the BFFs' HTTP edge, against real ``bff-web`` processes (real Redis; no router
is needed: a preflight and a validation error never reach it).

* CORS: development (the BFFs' default mode) allows local app origins on any port; production
  allows none unless ``BFF_WEB_CORS`` lists them. Before the fix every preflight got 405.
* Production strips "Did you mean ...?" from validation errors; development keeps it. Before
  the fix production named the field the caller had not asked for.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from servicekit.processes import ProcessSpec, free_port
from servicekit.topology import PROJECT_ROOT
from tests.conftest import REDIS_URL
from tests.http.edge_processes import whole
from tests.http.router_process import start_process

ASKED = "content-type, authorization"
PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)


@contextmanager
def bff_web(workdir: Path, namespace: str, mode: str, **env: str) -> Iterator[str]:
    port = free_port()
    environment = {
        "BFF_WEB_PORT": str(port),
        "BFF_WEB_HOST": "127.0.0.1",
        "BFF_WEB_MODE": mode,
        "BFF_WEB_REDIS_URL": REDIS_URL,
        "BFF_WEB_CACHE_NAMESPACE": namespace,
        "BFF_WEB_ROUTER_URL": f"http://127.0.0.1:{free_port()}/graphql",
        "BFF_WEB_LOG_LEVEL": "warning",
        **env,
    }
    spec = ProcessSpec(
        name=f"bff-web-{mode}",
        argv=[sys.executable, "-c", "from bff_web.app import main; main()"],
        ready_url=f"http://127.0.0.1:{port}/health",
        env=environment,
        cwd=PROJECT_ROOT,
    )
    with start_process(spec, workdir / f"bff-web-{mode}.log"):
        yield f"http://127.0.0.1:{port}/graphql"


def _preflight(url: str, origin: str) -> httpx.Response:
    headers = {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": ASKED,
    }
    return httpx.options(url, headers=headers, timeout=30)


def _preflight_answer(status: int, origin: str | None) -> tuple[int, dict[str, str], str]:
    text = "OK" if status == 200 else "Disallowed CORS origin"
    headers = {
        "server": "uvicorn",
        "vary": PREFLIGHT_VARY,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-max-age": "600",
        "access-control-allow-headers": ASKED,
        "content-length": str(len(text)),
        "content-type": "text/plain; charset=utf-8",
    }
    if origin is not None:
        headers["access-control-allow-origin"] = origin
    return status, headers, text


def _validation_error(url: str) -> dict[str, object]:
    response = httpx.post(url, json={"query": "{ homePag }"}, timeout=30)
    return {"status": response.status_code, "body": response.json()}


def _unknown_field(hint: str) -> dict[str, object]:
    message = f"Cannot query field 'homePag' on type 'Query'.{hint}"
    return {
        "status": 200,
        "body": {
            "data": None,
            "errors": [{"message": message, "locations": [{"line": 1, "column": 3}]}],
        },
    }


def test_bff_cors_and_suggestions_follow_the_mode(tmp_path: Path, redis_namespace: str) -> None:
    shop = json.dumps({"origins": ["https://shop.example"]})
    with (
        bff_web(tmp_path, redis_namespace, "development") as dev,
        bff_web(tmp_path, redis_namespace, "production") as prod,
        bff_web(tmp_path, redis_namespace, "production", BFF_WEB_CORS=shop) as configured,
    ):
        dev_local = _preflight(dev, "http://localhost:5173")
        dev_evil = _preflight(dev, "https://evil.example")
        prod_local = _preflight(prod, "http://localhost:5173")
        shop_ok = _preflight(configured, "https://shop.example")
        dev_error = _validation_error(dev)
        prod_error = _validation_error(prod)
    assert whole(dev_local) == _preflight_answer(200, "http://localhost:5173")
    assert whole(dev_evil) == _preflight_answer(400, None)
    assert whole(prod_local) == _preflight_answer(400, None)
    assert whole(shop_ok) == _preflight_answer(200, "https://shop.example")
    assert dev_error == _unknown_field(" Did you mean 'homePage'?")
    assert prod_error == _unknown_field("")


def test_bff_refuses_credentials_for_any_origin(tmp_path: Path, redis_namespace: str) -> None:
    bad = json.dumps({"allow_any_origin": True, "allow_credentials": True})
    with (
        pytest.raises(RuntimeError, match="allow_credentials cannot be combined"),
        bff_web(tmp_path, redis_namespace, "production", BFF_WEB_CORS=bad),
    ):
        pass
