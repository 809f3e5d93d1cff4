"""The client's address behind trusted reverse proxies, and only behind them.

A forwarding header (``X-Forwarded-For``, or RFC 7239 ``Forwarded``) is anyone's to write: read
blindly, it lets a client choose its own address and so its own rate-limit bucket. It is read
only when the TCP peer is a configured proxy (none by default), and only the header those proxies
set (a proxy that appends ``X-Forwarded-For`` passes a client's ``Forwarded`` through untouched).
The chain is walked from the right (the hop nearest to us), skipping trusted proxies; the first
address that is not one is the client, as nginx's ``real_ip_recursive`` and Express's
``trust proxy`` do. An ``unknown`` or obfuscated node (RFC 7239 section 6) ends the walk at the
last hop that is known. Servers run uvicorn with ``proxy_headers=False`` (:mod:`servicekit.serve`)
so that this module is the one place a forwarding header is believed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, IPvAnyNetwork

__all__ = [
    "ClientAddressSettings",
    "TrustedProxies",
    "forwarded_for",
    "parse_node",
    "resolve_client_address",
    "x_forwarded_for",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ForwardingHeader = Literal["x-forwarded-for", "forwarded"]

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PAIR = re.compile(rf'\s*({_TOKEN})\s*=\s*({_TOKEN}|"(?:[^"\\]|\\.)*")\s*')
_QUOTED_PAIR = re.compile(r"\\(.)")
_IPV6_NODE = re.compile(r"^\[([0-9A-Fa-f:.]+)\](?::\d+)?$")
_IPV4_NODE = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$")


class ClientAddressSettings(BaseModel):
    """Which peers may tell us the client's address, and in which header."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trusted_proxies: tuple[IPvAnyNetwork, ...] = ()
    """CIDRs (or single addresses) of the reverse proxies in front of this service; empty: the
    TCP peer is the client, whatever the headers say."""
    header: ForwardingHeader = "x-forwarded-for"
    """The header the trusted proxies set: ``x-forwarded-for`` (nginx, HAProxy, cloud load
    balancers) or ``forwarded`` (RFC 7239). The other one is ignored."""


class TrustedProxies:
    """A set of networks; an IPv4-mapped IPv6 peer (``::ffff:a.b.c.d``) counts as its IPv4."""

    def __init__(self, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> None:
        self.networks = tuple(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def parse_node(node: str) -> IPAddress | None:
    """An RFC 7239 node (``192.0.2.43``, ``"[2001:db8::1]:4711"``, ``unknown``, ``_hidden``), also
    the ``address[:port]`` entries some proxies put in ``X-Forwarded-For``; None unless an IP."""
    text = node.strip()
    for pattern in (_IPV6_NODE, _IPV4_NODE):
        match = pattern.match(text)
        if match:
            text = match[1]
            break
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _QUOTED_PAIR.sub(r"\1", value[1:-1])
    return value


def forwarded_for(header: str) -> list[IPAddress | None] | None:
    """The ``for=`` node of each element of a ``Forwarded`` header, client first; None when the
    header does not parse (RFC 7239 section 4 grammar: elements by ``,``, pairs by ``;``)."""
    nodes: list[IPAddress | None] = []
    position, length = 0, len(header)
    element_for: IPAddress | None = None
    while position < length:
        match = _PAIR.match(header, position)
        if match is None:
            return None
        if match[1].lower() == "for":
            element_for = parse_node(_unquote(match[2]))
        position = match.end()
        separator = header[position] if position < length else ","
        if separator not in ",;":
            return None
        if separator == ",":
            nodes.append(element_for)
            element_for = None
        position += 1
    return nodes


def x_forwarded_for(header: str) -> list[IPAddress | None]:
    """The entries of an ``X-Forwarded-For`` header, client first."""
    return [parse_node(entry) for entry in header.split(",") if entry.strip()]


def resolve_client_address(
    peer: str | None,
    headers: Mapping[str, str],
    settings: ClientAddressSettings,
    trusted: TrustedProxies | None = None,
) -> str | None:
    """The client's address for a request from ``peer`` (lower-cased ``headers``, repeated
    fields joined with ``, ``); the peer itself unless it is a trusted proxy."""
    proxies = trusted if trusted is not None else TrustedProxies(settings.trusted_proxies)
    if not peer or not proxies:
        return peer  # no proxy is trusted (the default): nothing to parse
    address = parse_node(peer)
    if address is None or address not in proxies:
        return peer
    header = headers.get(settings.header)
    if not header:
        return str(address)
    hops = forwarded_for(header) if settings.header == "forwarded" else x_forwarded_for(header)
    for hop in reversed(hops or []):
        if hop is None:
            break  # unknown or obfuscated: the hop that reported it is the last we know
        address = hop
        if hop not in proxies:
            break
    return str(address)
