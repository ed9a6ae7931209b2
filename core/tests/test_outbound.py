"""The outbound-URL policy: which URLs and addresses the app may fetch, checked at the address connected to."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from core.outbound import (
    OutboundPolicy,
    OutboundRefused,
    OutboundTooSlow,
    connections_checked,
    outbound_request,
    outbound_session,
)

# Names a resolver we control answers (the rest go to the system's, which resolves numeric forms itself).
NAMES = {
    "public.example": ["140.82.112.5"],
    "loopback.example": ["127.0.0.1"],
    "private.example": ["10.0.0.5"],
    "metadata.example": ["169.254.169.254"],
    "v6-loopback.example": ["::1"],
    "mapped.example": ["::ffff:192.168.0.1"],
    "half-public.example": ["140.82.112.5", "127.0.0.1"],
}


def resolver(name, port, type=socket.SOCK_STREAM):
    if name in NAMES:
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, type, 6, "", (address, port))
            for address in NAMES[name]
        ]
    return socket.getaddrinfo(name, port, type=type)


POLICY = OutboundPolicy(resolver=resolver)

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.3.2.1", "loopback"),
    ("2130706433", "loopback"),  # 127.0.0.1 written as one decimal number
    ("0177.0.0.1", "loopback"),  # octal
    ("0x7f.1", "loopback"),  # hexadecimal, short form
    ("localhost", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 (an address the test refuses)
    ("::", "unspecified"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("012.0.0.1", "private"),  # octal 10.0.0.1
    ("fc00::1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "special-purpose"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
    ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("loopback.example", "loopback"),
    ("private.example", "private"),
    ("metadata.example", "link-local"),
    ("v6-loopback.example", "loopback"),
    ("mapped.example", "private"),
    ("half-public.example", "loopback"),  # every address must pass: the connection may use any
]


@pytest.mark.parametrize(("host", "kind"), REFUSED)
def test_internal_addresses_in_every_spelling_are_refused(host, kind):
    with pytest.raises(OutboundRefused, match=f"a {kind} address") as refused:
        POLICY.addresses(host, 443)
    assert "OUTBOUND_ALLOWED_HOSTS" in refused.value.message


@pytest.mark.parametrize("host", ["140.82.112.5", "public.example", "2606:50c0:8000::153", "[2606:50c0:8000::153]"])
def test_public_addresses_pass(host):
    assert POLICY.addresses(host, 443)


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        (["10.0.0.0/8"], "private.example"),
        (["10.0.0.5"], "10.0.0.5"),
        (["PRIVATE.example"], "private.example"),
        (["127.0.0.1"], "2130706433"),
        (["::1"], "v6-loopback.example"),
        (["192.168.0.0/16"], "::ffff:192.168.0.1"),
    ],
)
def test_a_listed_host_or_network_is_allowed_although_internal(settings, allowed, host):
    settings.OUTBOUND_ALLOWED_HOSTS = allowed
    assert OutboundPolicy.from_settings(resolver=resolver).addresses(host, 443)


def test_a_listed_network_allows_only_its_own_addresses(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["10.0.0.0/24", "ghe.internal"]
    policy = OutboundPolicy.from_settings(resolver=resolver)
    with pytest.raises(OutboundRefused):
        policy.addresses("10.0.1.1", 443)
    with pytest.raises(OutboundRefused):
        policy.addresses("loopback.example", 443)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://api.github.com", "https://"),
        ("ftp://api.github.com", "https://"),
        ("https://github.com@127.0.0.1/api/v3", "user name or password"),
        ("https://user:pass@api.github.com", "user name or password"),
        ("https:///repos", "no host"),
        ("https://api.github.com:99999", "not valid"),
    ],
)
def test_urls_are_refused_by_their_text_before_any_lookup(url, problem):
    with pytest.raises(OutboundRefused, match=problem):
        POLICY.url_check(url)


def test_http_is_allowed_only_when_the_operator_says_so(settings):
    settings.OUTBOUND_ALLOW_HTTP = False
    with pytest.raises(OutboundRefused):
        OutboundPolicy.from_settings().url_check("http://ghe.example.com")
    settings.OUTBOUND_ALLOW_HTTP = True
    assert OutboundPolicy.from_settings().url_check("http://ghe.example.com").hostname == "ghe.example.com"


class Recorder(BaseHTTPRequestHandler):
    """A real HTTP server that keeps the headers of every request it gets."""

    seen: list

    def do_GET(self):
        self.seen.append(dict(self.headers))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    handler = type("Handler", (Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, handler.seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "loopback.example", "2130706433"])
def test_a_credential_never_reaches_a_refused_host(recorder, host):
    server, seen = recorder
    port = server.server_address[1]
    policy = OutboundPolicy(allow_http=True, resolver=resolver)
    with pytest.raises(OutboundRefused):
        outbound_request(
            "GET", f"http://{host}:{port}/user", policy=policy, headers={"Authorization": "token ghp_secret"}
        )
    assert seen == []


def test_the_socket_goes_to_the_checked_address_with_the_name_in_the_host_header(recorder):
    server, seen = recorder
    port = server.server_address[1]
    policy = OutboundPolicy(allow_http=True, allowed_hosts=frozenset({"loopback.example"}), resolver=resolver)
    response, body = outbound_request("GET", f"http://loopback.example:{port}/", policy=policy)
    assert (response.status_code, body) == (200, b'{"ok": true}')
    assert seen[0]["Host"] == f"loopback.example:{port}"


def test_proxies_from_the_environment_are_not_used(recorder, monkeypatch):
    server, seen = recorder
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    policy = OutboundPolicy(allow_http=True, allowed_hosts=frozenset({"127.0.0.1"}))
    with pytest.raises(requests.exceptions.ConnectionError):
        outbound_request("GET", f"http://127.0.0.1:{port}/", policy=policy)
    assert seen == []


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for connection in held:
        connection.close()


def test_a_server_that_never_answers_is_given_up_within_the_total_time(silent_server):
    policy = OutboundPolicy(allow_http=True, allowed_hosts=frozenset({"127.0.0.1"}), total_timeout=1.5)
    started = time.monotonic()
    with pytest.raises((requests.exceptions.Timeout, OutboundTooSlow)):
        outbound_request("GET", f"http://127.0.0.1:{silent_server}/", policy=policy, timeout=60)
    assert time.monotonic() - started < 3


def test_a_session_of_the_policy_checks_the_scheme_of_every_request_it_sends(recorder):
    server, seen = recorder
    session = outbound_session(policy=OutboundPolicy(allowed_hosts=frozenset({"127.0.0.1"})))
    with pytest.raises(OutboundRefused, match="https://"):
        session.get(f"http://127.0.0.1:{server.server_address[1]}/", timeout=2)
    assert seen == []


def test_a_library_s_own_socket_is_refused_an_internal_address_inside_connections_checked(recorder):
    """What a library that resolves and connects by itself meets: the connect to loopback fails, a refusal is
    recorded; outside the block, and for an address the check accepted by name, the same connect goes through."""
    server, _ = recorder
    address = ("127.0.0.1", server.server_address[1])
    with connections_checked(POLICY) as refused, pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=2).close()
    assert [r.message for r in refused] == ["Outbound requests may not reach a loopback address (127.0.0.1)."]
    with connections_checked(POLICY, resolved=["127.0.0.1"]) as refused:
        socket.create_connection(address, timeout=2).close()
    assert refused == []
    socket.create_connection(address, timeout=2).close()  # no check outside the block
