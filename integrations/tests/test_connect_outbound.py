"""The API URL of the connect form and `github_connect --api-url` goes through the outbound-URL policy."""

import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Connection, Repository
from integrations.tests.github_server import TOKEN

pytestmark = pytest.mark.django_db


def connect_form(client_in, team, api_url, token=TOKEN):
    form = {"repository": "octo/app", "auth_kind": "token", "token": token, "api_url": api_url, "interval": 15}
    return client_in.post(f"/t/{team.slug}/github/", form)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:{port}", "a loopback address"),
        ("http://localhost:{port}", "a loopback address"),
        ("http://2130706433:{port}", "Enter a valid URL"),  # Django refuses it first; core tests the rest
        ("http://github.com@127.0.0.1:{port}", "user name or password"),
    ],
)
def test_the_form_refuses_an_internal_api_url_and_the_token_never_reaches_it(
    settings, github, team, client_in, url, problem
):
    github.add_repo("octo/app")
    settings.OUTBOUND_ALLOWED_HOSTS = []
    port = github.server.server_address[1]
    response = connect_form(client_in, team, url.format(port=port))
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert github.count() == 0
    assert not Repository.objects.exists() and not Connection.objects.exists()


def test_the_form_refuses_plain_http_unless_the_operator_allows_it(settings, github, team, client_in):
    github.add_repo("octo/app")
    settings.OUTBOUND_ALLOW_HTTP = False
    response = connect_form(client_in, team, github.url)
    assert response.status_code == 400
    assert "must start with https://" in response.content.decode()
    assert github.count() == 0


def test_github_connect_refuses_an_internal_api_url_before_sending_the_token(settings, github, team):
    github.add_repo("octo/app")
    settings.OUTBOUND_ALLOWED_HOSTS = []
    port = github.server.server_address[1]
    with pytest.raises(CommandError, match="loopback address"):
        call_command(
            "github_connect", "--team", team.slug, "--repo", "octo/app", "--token", TOKEN,
            "--api-url", f"http://localhost:{port}",
        )  # fmt: skip
    assert github.count() == 0


def test_an_operator_lists_a_private_enterprise_server_by_network(settings, github, team, client_in):
    github.add_repo("octo/app")
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.0/8"]
    response = connect_form(client_in, team, github.url)
    assert response.status_code == 302
    assert Repository.objects.filter(team=team, full_name="octo/app").exists()


@pytest.fixture
def silent_port():
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


def test_a_server_that_never_answers_gets_an_answer_well_within_the_worker_timeout(team, client_in, silent_port):
    # The shipped timeouts (OUTBOUND_TIMEOUT 10 s, GITHUB_TIMEOUT 20 s, one retry): gunicorn kills a worker at 30 s.
    started = time.monotonic()
    response = connect_form(client_in, team, f"http://127.0.0.1:{silent_port}")
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert "did not answer in time" in response.content.decode()
    assert elapsed < 12


def _port_of(answer: bytes | None) -> tuple[int, socket.socket | None]:
    """A local port that is closed (None), or a service that writes `answer` and hangs up, counting connections."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if answer is None:
        listener.close()
        return port, None
    listener.listen(8)

    def serve():
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:
                return
            connections.append(port)
            connection.recv(4096)
            connection.sendall(answer)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return port, listener


connections: list[int] = []


def test_internal_ports_all_get_the_same_refusal_so_the_form_is_no_port_scanner(settings, github, team, client_in):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    connections.clear()
    # Nothing listening; Redis's answer to an HTTP request; a server that hangs up; an HTTP service.
    services = [_port_of(answer) for answer in (None, b"-ERR unknown command 'GET'\r\n", b"")]
    services.append((github.server.server_address[1], None))
    answers = set()
    for port, listener in services:
        page = connect_form(client_in, team, f"http://127.0.0.1:{port}").content.decode()
        answers.add(re.search(r"(Outbound requests may not reach [^<]*|Cannot reach [^<]*)", page).group(1))
        if listener:
            listener.close()
    assert answers == {
        "Outbound requests may not reach 127.0.0.1: it is, or resolves to, a loopback address. "
        "An operator can allow it in OUTBOUND_ALLOWED_HOSTS."
    }
    assert connections == [] and github.count() == 0


def test_closed_ports_and_services_that_are_not_http_get_one_message_when_allowed(team, client_in):
    for answer in (None, b"-ERR unknown command 'GET'\r\n", b""):
        port, listener = _port_of(answer)
        page = connect_form(client_in, team, f"http://127.0.0.1:{port}").content.decode()
        if listener:
            listener.close()
        expected = f"Cannot reach the GitHub API at http://127.0.0.1:{port}: check the API URL and the network."
        assert expected in page, answer


class Liar(BaseHTTPRequestHandler):
    """An HTTP server at the API URL that is not GitHub and answers with a secret in its body."""

    status = 200
    body = b""

    def do_GET(self):
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, b'{"message": "db_password=hunter2"}'),
        (403, b'{"message": "db_password=hunter2"}'),
        (422, b'{"message": "db_password=hunter2"}'),
        (500, b"db_password=hunter2"),
        (200, b"db_password=hunter2"),
        (200, b"{db_password=hunter2"),
        (200, b'{"message": "db_password=hunter2"}'),
        (200, b'{"id": 1, "owner": "db_password=hunter2"}'),
    ],
)
def test_what_another_server_answers_never_shows_in_the_form(team, client_in, status, body):
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (Liar,), {"status": status, "body": body}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        response = connect_form(client_in, team, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 400
    assert "hunter2" not in response.content.decode()
    assert not Repository.objects.exists()
