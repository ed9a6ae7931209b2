"""One policy for every URL the app fetches (GitHub, GitHub Enterprise, notification channels).

A URL someone typed is fetched with a team's credentials, so it must not reach what only this server
can reach (the database, Redis, a cloud's metadata service at 169.254.169.254):

- https only, unless `OUTBOUND_ALLOW_HTTP=1`; no user:password@ part; a host is required;
- the address actually connected to is checked, at connect time: the name is resolved once, every
  address it resolves to is checked, and the socket is opened to a checked address (a name that
  resolves to a public address for the check and to 127.0.0.1 for the connection, DNS rebinding,
  never gets through). TLS still verifies the certificate and sends SNI for the name. A library that opens
  its own sockets (Apprise) runs inside `connections_checked`: each socket's connect is checked there;
- refused: loopback, private, link-local, shared (CGNAT), multicast, reserved, unspecified, and an
  IPv4 address wrapped in IPv6 (mapped, 6to4, Teredo) that is one of those, unless the host or its
  network is listed in `OUTBOUND_ALLOWED_HOSTS` (GitHub Enterprise on a private network);
- the refusal happens before a byte is sent, so no credential (a header) reaches a refused host;
- connect within `OUTBOUND_CONNECT_TIMEOUT` seconds and finish within `OUTBOUND_TIMEOUT`, well under
  gunicorn's 30 s worker timeout; answers are read up to `OUTBOUND_MAX_BYTES`.

Python's `ipaddress` does the address checks. The maintained SSRF libraries in the package index
were no better fit: `advocate` (last release 2020) overrides the same urllib3 hook but pins the
urllib3 1.x API, and the newer ones are young single-author packages; what the policy needs is a
few lines over `ipaddress` and one urllib3 connection class (`HTTPConnection._new_conn`, the hook
`advocate` also uses, is where urllib3 opens the socket).
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., list]


class OutboundRefused(Exception):
    """The policy refuses this URL or the address it resolves to; `message` says why, in our words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OutboundTooSlow(Exception):
    """The answer did not arrive, or did not finish, within the policy's total time."""


class OutboundTooLarge(Exception):
    """The answer is larger than the policy's `max_bytes`."""


def _unwrapped(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped ::ffff:a.b.c.d, 6to4, Teredo), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            return embedded
    return address


def _kind(address: IPAddress) -> str | None:
    """What makes an address internal ("loopback", "private", ...), or None for a public unicast address."""
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    )
    for kind, matches in checks:
        if matches:
            return kind
    # What is left and still not global: shared address space (100.64.0.0/10) and other special ranges.
    return None if address.is_global else "special-purpose"


def _allowed_entries(entries: Iterable[str]) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    """Split `OUTBOUND_ALLOWED_HOSTS` into host names and networks (an address is a one-address network)."""
    hosts, networks = set(), []
    for entry in (e.strip().lower().strip("[]") for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.rstrip("."))
    return frozenset(hosts), tuple(networks)


@dataclass(frozen=True)
class OutboundPolicy:
    """Which URLs and addresses the app may fetch, and how long it waits; `from_settings()` for the real one."""

    allow_http: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()
    connect_timeout: float = 3.0
    total_timeout: float = 10.0
    max_bytes: int = 20 * 1024 * 1024
    resolver: Resolver = socket.getaddrinfo

    @classmethod
    def from_settings(cls, **overrides) -> OutboundPolicy:
        hosts, networks = _allowed_entries(settings.OUTBOUND_ALLOWED_HOSTS)
        values = {
            "allow_http": settings.OUTBOUND_ALLOW_HTTP,
            "allowed_hosts": hosts,
            "allowed_networks": networks,
            "connect_timeout": settings.OUTBOUND_CONNECT_TIMEOUT,
            "total_timeout": settings.OUTBOUND_TIMEOUT,
            "max_bytes": settings.OUTBOUND_MAX_BYTES,
        }
        return cls(**{**values, **overrides})

    def url_check(self, url: str) -> urllib.parse.SplitResult:
        """Refuse a URL by its text alone (scheme, userinfo, host, port): no network is used."""
        try:
            parts = urllib.parse.urlsplit(url.strip())
            parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
        except ValueError:
            raise OutboundRefused("The URL is not valid.") from None
        schemes = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme.lower() not in schemes:
            raise OutboundRefused("The URL must start with https://." if not self.allow_http else "Use http or https.")
        if "@" in parts.netloc:
            raise OutboundRefused("The URL must not carry a user name or password (user:password@host).")
        if not parts.hostname:
            raise OutboundRefused("The URL has no host.")
        return parts

    def addresses(self, host: str, port: int) -> list[tuple]:
        """Resolve `host` and return its `getaddrinfo` entries, refusing when any address is internal and not allowed.

        Every address must pass, not just one: the connection may go to any of them.
        """
        name = host.strip("[]").lower().rstrip(".")
        try:
            infos = self.resolver(name, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise socket.gaierror(f"{host} could not be resolved") from None
        if not infos:
            raise socket.gaierror(f"{host} could not be resolved")
        if name in self.allowed_hosts:
            return infos
        for info in infos:
            kind = self.address_refusal(str(info[4][0]))
            if kind:
                raise OutboundRefused(
                    f"Outbound requests may not reach {host}: it is, or resolves to, a {kind} address. "
                    "An operator can allow it in OUTBOUND_ALLOWED_HOSTS."
                )
        return infos

    def address_refusal(self, address: str) -> str | None:
        """What makes `address` (an IP address as text) one the policy refuses ("loopback", ...), or None."""
        unwrapped = _unwrapped(ipaddress.ip_address(address.split("%", 1)[0]))
        kind = _kind(unwrapped)
        if kind and not any(unwrapped in network for network in self.allowed_networks):
            return kind
        return None


# Libraries that open their own sockets (Apprise: requests and smtplib) cannot be handed `_checked_socket`. For
# them the check runs where every socket connects: Python's audit hook for "socket.connect" (PEP 578, public),
# installed once per process and active only in the context inside `connections_checked`: a context variable, so
# it follows the work into the threads Apprise hands it to (Apprise runs each send in a copy of the caller's
# context) and nowhere else.
_checking: contextvars.ContextVar[Callable[[object], None] | None] = contextvars.ContextVar(
    "outbound_connect_check", default=None
)
_hook_lock = threading.Lock()
_hook_installed = False


def _connect_hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        check = _checking.get()
        if check is not None:
            check(args[1])


@contextmanager
def connections_checked(policy: OutboundPolicy, resolved: Iterable[str] = ()) -> Iterator[list[OutboundRefused]]:
    """Within the block, a socket this context connects to an address the policy refuses fails (ConnectionRefused).

    `resolved`: the addresses the policy's own check accepted by name (a host in OUTBOUND_ALLOWED_HOSTS); they
    pass. The block yields the list of refusals, so that the caller can tell a refusal from a dead service even
    when the library turns the error into its own. A name that resolved to a public address for the check and
    resolves to 127.0.0.1 when the library connects (DNS rebinding) is refused here.
    """
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_connect_hook)
            _hook_installed = True
    accepted = frozenset(resolved)
    refused: list[OutboundRefused] = []

    def check(sockaddr: object) -> None:
        if not isinstance(sockaddr, tuple) or str(sockaddr[0]) in accepted:
            return  # a Unix socket (no network), or an address the check accepted by the host's name
        kind = policy.address_refusal(str(sockaddr[0]))
        if kind:
            refused.append(OutboundRefused(f"Outbound requests may not reach a {kind} address ({sockaddr[0]})."))
            raise ConnectionRefusedError(refused[-1].message)

    token = _checking.set(check)
    try:
        yield refused
    finally:
        _checking.reset(token)


def _checked_socket(connection: HTTPConnection, policy: OutboundPolicy) -> socket.socket:
    """Open the socket to an address the policy accepted (never to a second, unchecked resolution)."""
    infos = policy.addresses(connection.host, connection.port)
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in connection.socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(min(policy.connect_timeout, _seconds(connection.timeout, policy.connect_timeout)))
            sock.connect(sockaddr)
            sock.settimeout(_seconds(connection.timeout, policy.total_timeout))
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    if isinstance(last_error, TimeoutError):
        raise ConnectTimeoutError(connection, f"Connection to {connection.host} timed out.") from None
    raise NewConnectionError(connection, f"Failed to connect to {connection.host}.") from last_error


def _seconds(timeout, default: float) -> float:
    """urllib3's timeout for reads (a number, or None / a sentinel object meaning "the default")."""
    return timeout if isinstance(timeout, int | float) and timeout > 0 else default


class _PolicyConnection(HTTPConnection):
    policy: OutboundPolicy

    def _new_conn(self) -> socket.socket:
        try:
            return _checked_socket(self, self.policy)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from None


class _PolicyHTTPSConnection(HTTPSConnection):
    """TLS over the policy's socket: urllib3 wraps whatever `_new_conn` returns, with SNI for the host name."""

    policy: OutboundPolicy
    _new_conn = _PolicyConnection._new_conn


class PolicyAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes through `OutboundPolicy`; proxies are not used."""

    def __init__(self, policy: OutboundPolicy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        connection = type("Connection", (_PolicyConnection,), {"policy": self.policy})
        tls_connection = type("TLSConnection", (_PolicyHTTPSConnection,), {"policy": self.policy})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": connection}),
            "https": type("TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls_connection}),
        }

    def send(self, request, *args, **kwargs):
        self.policy.url_check(request.url)  # scheme and userinfo, whoever built the request
        return super().send(request, *args, **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # Through a proxy the connection would go to the proxy's address, unchecked for the target.
        raise OutboundRefused("Outbound requests do not go through a proxy.")


def outbound_session(*, policy: OutboundPolicy | None = None, pool_size: int = 10) -> requests.Session:
    """A requests session that fetches only what the policy allows (environment proxies and .netrc ignored)."""
    policy = policy or OutboundPolicy.from_settings()
    session = requests.Session()
    session.trust_env = False
    adapter = PolicyAdapter(policy, pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_sessions = threading.local()


def outbound_shared_session(policy: OutboundPolicy) -> requests.Session:
    """This thread's session for a policy, so that connections are kept alive between requests."""
    sessions = getattr(_sessions, "by_policy", None)
    if sessions is None:
        sessions = _sessions.by_policy = {}
    if policy not in sessions:
        sessions[policy] = outbound_session(policy=policy)
    return sessions[policy]


def outbound_request(
    method: str,
    url: str,
    *,
    policy: OutboundPolicy | None = None,
    session: requests.Session | None = None,
    timeout: float | None = None,
    **kwargs,
) -> tuple[requests.Response, bytes]:
    """Send one request under the policy and read the whole answer; returns (response, body).

    The URL is checked before anything is sent; `timeout` (at most the policy's total) bounds the
    whole exchange: connecting, every wait for data, and reading the body. Redirects are not followed.
    """
    policy = policy or OutboundPolicy.from_settings()
    policy.url_check(url)
    total = min(timeout or policy.total_timeout, policy.total_timeout)
    deadline = time.monotonic() + total
    session = session or outbound_shared_session(policy)
    response = session.request(
        method,
        url,
        timeout=(min(policy.connect_timeout, total), total),
        stream=True,
        allow_redirects=False,
        **kwargs,
    )
    chunks, size = [], 0
    with response:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > policy.max_bytes:
                raise OutboundTooLarge(f"The answer is larger than {policy.max_bytes // (1024 * 1024)} MB.")
            if time.monotonic() > deadline:
                raise OutboundTooSlow(f"The answer did not finish within {total:g} seconds.")
            chunks.append(chunk)
    return response, b"".join(chunks)
