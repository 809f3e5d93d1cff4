"""File uploads over real processes (issue #18): the GraphQL multipart request spec through the
router to the products subgraph that owns the ``Upload`` argument, which stores the image. The
multipart bodies are built by httpx (or by hand, byte for byte) and the stored file is read back
from the products' images folder; sizes and digests are computed here with hashlib."""

from __future__ import annotations

import hashlib
import json
import random
import select
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from subgraphs.seeding import generate
from tests.http.requests_e2e.conftest import SUPERGRAPH, Platform
from tests.http.router_process import RunningRouter, running_router

PRODUCTS = sorted(generate().products, key=lambda p: p.upc)
MAX_FILE = 1_000_000
MUTATION = (
    "mutation Upload($upc: String!, $image: Upload!) "
    "{ uploadProductImage(upc: $upc, image: $image) { upc filename contentType size sha256 } }"
)
JSON_TYPE = "application/graphql-response+json; charset=utf-8"


@pytest.fixture(scope="module")
def router(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRouter]:
    config = platform.router_config(
        file_uploads={"enabled": True, "max_file_size": MAX_FILE, "max_files": 2}
    )
    workdir = tmp_path_factory.mktemp("uploads")
    with running_router(workdir, supergraph=SUPERGRAPH, config=config) as running:
        yield running


def _operations(upc: str) -> str:
    return json.dumps({"query": MUTATION, "variables": {"upc": upc, "image": None}})


def _upload(
    router: RunningRouter, upc: str, content: bytes, headers: dict[str, str]
) -> httpx.Response:
    return httpx.post(
        router.graphql_url,
        data={"operations": _operations(upc), "map": json.dumps({"0": ["variables.image"]})},
        files={"0": ("photo.png", content, "image/png")},
        headers=headers,
        timeout=60,
    )


def _admin(platform: Platform) -> dict[str, str]:
    token = platform.token("1", ("products:admin",))
    return {"authorization": f"Bearer {token}", "apollo-require-preflight": "true"}


def test_an_upload_reaches_the_products_subgraph_and_is_stored_byte_for_byte(
    platform: Platform, router: RunningRouter
) -> None:
    upc = PRODUCTS[0].upc
    content = random.Random(18).randbytes(300_000)
    response = _upload(router, upc, content, _admin(platform))
    assert (response.status_code, response.headers["content-type"]) == (200, JSON_TYPE)
    assert response.json() == {
        "data": {
            "uploadProductImage": {
                "upc": upc,
                "filename": "photo.png",
                "contentType": "image/png",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        }
    }
    assert (platform.images_dir / upc).read_bytes() == content


def test_an_upload_without_the_preflight_header_is_refused_as_csrf(
    platform: Platform, router: RunningRouter
) -> None:
    upc = PRODUCTS[1].upc
    headers = {"authorization": _admin(platform)["authorization"]}
    response = _upload(router, upc, b"forged", headers)
    assert (response.status_code, response.headers["content-type"]) == (400, JSON_TYPE)
    assert response.json() == {
        "errors": [
            {
                "message": "This operation has been blocked as a potential Cross-Site Request "
                "Forgery (CSRF). Please either specify a 'content-type' header (with a mime-type "
                "that is not one of application/x-www-form-urlencoded, multipart/form-data, "
                "text/plain) or provide one of the following headers: x-apollo-operation-name, "
                "apollo-require-preflight",
                "extensions": {"code": "CSRF_ERROR"},
            }
        ]
    }
    assert not (platform.images_dir / upc).exists()


def test_an_upload_without_the_admin_scope_stores_nothing(
    platform: Platform, router: RunningRouter
) -> None:
    upc = PRODUCTS[2].upc
    headers = {
        "authorization": f"Bearer {platform.token('2', ('read:orders',))}",
        "apollo-require-preflight": "true",
    }
    response = _upload(router, upc, b"not an admin", headers)
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Unauthorized field or type",
                "path": ["uploadProductImage"],
                "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
            }
        ],
    }
    assert not (platform.images_dir / upc).exists()


def test_a_declared_body_over_the_limits_is_refused_before_it_is_read(
    platform: Platform, router: RunningRouter
) -> None:
    upc = PRODUCTS[3].upc
    address = urlsplit(router.graphql_url)
    limit = 1_000_000 + 2 * MAX_FILE + 64 * 1024
    head = (
        f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {limit + 1}\r\napollo-require-preflight: true\r\n"
        f"Authorization: {_admin(platform)['authorization']}\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head.encode())  # not one byte of the body
        status, body = _read_response(sock)
    assert status == 413
    assert body == {
        "errors": [
            {
                "message": f"Request body larger than {limit} bytes (2 files of at most "
                f"{MAX_FILE} bytes and the operation)",
                "extensions": {"code": "PAYLOAD_TOO_LARGE"},
            }
        ]
    }
    assert not (platform.images_dir / upc).exists()


def _read_response(sock: socket.socket) -> tuple[int, Any]:
    """Status and JSON body of one HTTP/1.1 response (Content-Length framed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), json.loads(rest[:length])


def test_a_file_over_the_limit_is_refused_while_it_streams(
    platform: Platform, router: RunningRouter
) -> None:
    """Chunked (no declared length): the router answers 413 as soon as the file passes the
    limit, long before the client has sent the 64 MB it would send."""
    upc = PRODUCTS[4].upc
    address = urlsplit(router.graphql_url)
    boundary = "spec-boundary"
    prefix = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        f"{_operations(upc)}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n'
        '{"0": ["variables.image"]}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    head = (
        f"POST {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Transfer-Encoding: chunked\r\napollo-require-preflight: true\r\n"
        f"Authorization: {_admin(platform)['authorization']}\r\n\r\n"
    ).encode()
    total = 64 * 1024 * 1024
    piece = b"x" * 65536
    sent = 0
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head + b"%x\r\n%s\r\n" % (len(prefix), prefix))
        deadline = time.monotonic() + 120
        while sent < total and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 1.0)
            if readable:
                break  # the router answered
            if writable:
                try:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                except OSError:
                    break  # the router closed the connection after answering
                sent += len(piece)
        status, body = _read_response(sock)
    assert status == 413
    assert body == {
        "errors": [
            {
                "message": f"File '0' is larger than the limit of {MAX_FILE} bytes",
                "extensions": {"code": "PAYLOAD_TOO_LARGE"},
            }
        ]
    }
    # refused long before the end: the limit plus what the sockets' buffers held
    assert sent < total // 4
    assert not (platform.images_dir / upc).exists()


def test_a_file_other_than_the_one_the_plan_needs_next_is_refused(
    platform: Platform, router: RunningRouter
) -> None:
    """Stream mode cannot hold a file back for later: the part after ``map`` must be the file
    the first uploading fetch takes (Apollo Router's ``FILE_UPLOADS_OPERATION_CANNOT_STREAM``)."""
    upc = PRODUCTS[5].upc
    response = httpx.post(
        router.graphql_url,
        data={"operations": _operations(upc), "map": json.dumps({"0": ["variables.image"]})},
        files={"1": ("other.png", b"not the mapped file", "image/png")},
        headers=_admin(platform),
        timeout=60,
    )
    assert (response.status_code, response.headers["content-type"]) == (400, JSON_TYPE)
    assert response.json() == {
        "errors": [
            {
                "message": "Cannot stream the upload: the operation needs file '0' next but the "
                "request has file '1'; send the files in the order the operation uses them",
                "extensions": {"code": "FILE_UPLOADS_OPERATION_CANNOT_STREAM"},
            }
        ]
    }
    assert not (platform.images_dir / upc).exists()
