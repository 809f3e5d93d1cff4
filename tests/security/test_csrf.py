"""CSRF prevention: which requests a browser could send without a preflight are refused."""

from __future__ import annotations

import pytest

from router.security.csrf import check_csrf, is_preflighted

MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
    "Please either specify a 'content-type' header (with a mime-type that is not one of "
    "application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide one of the "
    "following headers: x-apollo-operation-name, apollo-require-preflight"
)


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/json"},
        {"content-type": "application/json; charset=utf-8"},
        {"content-type": "application/graphql-response+json"},
        {"content-type": "TEXT/PLAIN, application/json"},  # not one media type: browsers preflight
        {"content-type": "text/plain", "apollo-require-preflight": "true"},
        {"x-apollo-operation-name": "GetMe"},
        {"content-type": "multipart/form-data; boundary=x", "apollo-require-preflight": "1"},
    ],
)
def test_preflighted_requests_pass(headers: dict[str, str]) -> None:
    assert is_preflighted(headers)
    assert check_csrf("POST", headers) is None
    assert check_csrf("GET", headers) is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "text/plain"},
        {"content-type": "Text/Plain; charset=utf-8"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "multipart/form-data; boundary=----x"},
        {"content-type": "text/plain", "apollo-require-preflight": ""},
        {"content-type": "text/plain", "x-requested-with": "XMLHttpRequest"},
    ],
)
def test_simple_requests_are_refused(headers: dict[str, str]) -> None:
    for method in ("GET", "POST"):
        refused = check_csrf(method, headers)
        assert refused is not None
        assert refused.status_hint == 400
        assert refused.to_dict() == {
            "errors": [{"message": MESSAGE, "extensions": {"code": "CSRF_ERROR"}}]
        }


def test_custom_required_headers_and_disabling() -> None:
    headers = {"content-type": "text/plain", "x-my-client": "web"}
    assert check_csrf("POST", headers) is not None
    assert check_csrf("POST", headers, required_headers=["X-My-Client"]) is None
    assert check_csrf("POST", {}, enabled=False) is None
    assert check_csrf("OPTIONS", {}) is None
