"""Where the worker may send: a webhook URL must not lead into Plaudit's own network.

A token holder chooses the URL and the worker makes the request, so without this rule a token
could make the worker probe loopback services, the cloud metadata address or the private
network (SSRF). A host is resolved and refused if any of its addresses is not a public unicast
address; the delivery then connects to the address that was checked (no second lookup that a
rebinding DNS server could answer differently). `PLAUDIT_WEBHOOK_ALLOW_PRIVATE=true` lifts the
rule for a deployment whose receivers live on its own network (and for the tests, whose
receiver listens on loopback).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOKUP_TIMEOUT_SECONDS = 5.0


def private_allowed() -> bool:
    return os.environ.get("PLAUDIT_WEBHOOK_ALLOW_PRIVATE", "false").lower() in ("1", "true", "yes")


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Resolved:
    address: str | None  # the address to connect to
    problem: str | None = None


async def resolve_receiver(url: str) -> Resolved:
    """The address a delivery to `url` connects to, or why it may not go there."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(host)
        addresses = [str(literal)]
    except ValueError:
        try:
            infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM), LOOKUP_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, UnicodeError):
            return Resolved(None, f"The host {host!r} does not resolve.")
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        return Resolved(None, f"The host {host!r} does not resolve.")
    if not private_allowed():
        blocked = [a for a in addresses if not is_public_address(a)]
        if blocked:
            return Resolved(None, f"The host {host!r} resolves to a private, loopback or reserved "
                                  f"address ({blocked[0]}); webhooks go to public addresses only.")
    return Resolved(addresses[0])
