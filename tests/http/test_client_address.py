"""The pure rules behind the edge (``servicekit.client_address``, ``servicekit.cors``,
``servicekit.suggestions``); the router processes that apply them are tested end to end in
``test_trusted_proxies_e2e.py`` and ``test_cors_e2e.py``."""

from __future__ import annotations

import ipaddress
import re

import pytest
from pydantic import ValidationError

from servicekit.client_address import (
    ClientAddressSettings,
    forwarded_for,
    parse_node,
    resolve_client_address,
    x_forwarded_for,
)
from servicekit.cors import CorsSettings
from servicekit.suggestions import mask_suggestions, strip_suggestion

ip = ipaddress.ip_address
BEHIND_PROXY = ClientAddressSettings.model_validate({"trusted_proxies": ["10.0.0.0/8"]})


def test_rfc7239_examples() -> None:
    """RFC 7239 section 4 and 7.1's examples (and a quoted-pair)."""
    assert forwarded_for('for="_gazonk"') == [None]
    assert forwarded_for('For="[2001:db8:cafe::17]:4711"') == [ip("2001:db8:cafe::17")]
    assert forwarded_for("for=192.0.2.60;proto=http;by=203.0.113.43") == [ip("192.0.2.60")]
    assert forwarded_for("for=192.0.2.43, for=198.51.100.17") == [
        ip("192.0.2.43"),
        ip("198.51.100.17"),
    ]
    assert forwarded_for('for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown') == [
        ip("192.0.2.43"),
        ip("2001:db8:cafe::17"),
        None,
    ]
    assert forwarded_for('by=10.0.0.1;host="a\\"b"') == [None]
    assert forwarded_for("for=192.0.2.43 garbage") is None
    assert forwarded_for("for") is None


def test_x_forwarded_for_entries() -> None:
    assert x_forwarded_for("203.0.113.7, 10.0.0.2:8080 ,[2001:db8::1]:443, junk,") == [
        ip("203.0.113.7"),
        ip("10.0.0.2"),
        ip("2001:db8::1"),
        None,
    ]
    assert parse_node("::ffff:10.1.1.1") == ip("::ffff:10.1.1.1")


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        ("198.51.100.9", {"x-forwarded-for": "1.2.3.4"}, "198.51.100.9"),  # not a proxy
        ("10.0.0.5", {}, "10.0.0.5"),
        ("10.0.0.5", {"x-forwarded-for": "1.2.3.4"}, "1.2.3.4"),
        ("10.0.0.5", {"x-forwarded-for": "6.6.6.6, 1.2.3.4, 10.9.9.9"}, "1.2.3.4"),
        ("10.0.0.5", {"x-forwarded-for": "10.0.0.7, 10.9.9.9"}, "10.0.0.7"),  # all proxies
        ("10.0.0.5", {"x-forwarded-for": "1.2.3.4, junk"}, "10.0.0.5"),  # unknown hop
        ("::ffff:10.0.0.5", {"x-forwarded-for": "1.2.3.4"}, "1.2.3.4"),
        ("10.0.0.5", {"forwarded": "for=1.2.3.4"}, "10.0.0.5"),  # not the configured header
        (None, {"x-forwarded-for": "1.2.3.4"}, None),
        ("not-an-ip", {"x-forwarded-for": "1.2.3.4"}, "not-an-ip"),
    ],
)
def test_resolution_walks_from_the_nearest_hop(
    peer: str | None, headers: dict[str, str], expected: str | None
) -> None:
    assert resolve_client_address(peer, headers, BEHIND_PROXY) == expected


def test_nothing_is_trusted_by_default() -> None:
    headers = {"x-forwarded-for": "1.2.3.4", "forwarded": "for=1.2.3.4"}
    assert resolve_client_address("127.0.0.1", headers, ClientAddressSettings()) == "127.0.0.1"


def test_cors_settings_build_one_anchored_expression() -> None:
    settings = CorsSettings(origins=("http://localhost:*", "https://shop.example"))
    assert settings.middleware_options() == {
        "allow_origins": [],
        "allow_origin_regex": r"(?:http://localhost(?::\d{1,5})?)|(?:https://shop\.example)",
        "allow_methods": ["GET", "POST", "OPTIONS"],
        "allow_headers": ["*"],
        "allow_credentials": False,
        "expose_headers": [],
        "max_age": 600,
    }
    assert CorsSettings().middleware_options()["allow_origin_regex"] is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"origins": ["http://localhost:*/"]}, "is not scheme://host[:port]"),
        ({"origins": ["localhost:3000"]}, "is not scheme://host[:port]"),
        ({"match_origins": ["(unclosed"]}, "match_origins '(unclosed'"),
        (
            {"allow_any_origin": True, "allow_credentials": True},
            "allow_credentials cannot be combined with allow_any_origin",
        ),
    ],
)
def test_cors_settings_refuse_what_would_be_unsafe_or_wrong(
    document: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        CorsSettings.model_validate(document)


def test_suggestions_are_stripped_whatever_their_form() -> None:
    assert strip_suggestion("Cannot query field 'okk' on type 'Query'. Did you mean 'ok'?") == (
        "Cannot query field 'okk' on type 'Query'."
    )
    assert strip_suggestion(
        "Cannot query field 'a' on type 'I'. Did you mean to use an inline fragment on 'T'?"
    ) == ("Cannot query field 'a' on type 'I'.")
    assert strip_suggestion(
        "Value 'REDD' does not exist in 'Color' enum. Did you mean the enum value 'RED'?"
    ) == ("Value 'REDD' does not exist in 'Color' enum.")
    errors = [{"message": "Unknown type 'Usr'. Did you mean 'User'?", "locations": [1]}, {}]
    assert mask_suggestions(errors) == [{"message": "Unknown type 'Usr'.", "locations": [1]}, {}]
    assert errors[0]["message"] == "Unknown type 'Usr'. Did you mean 'User'?"  # not mutated
