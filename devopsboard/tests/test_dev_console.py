"""`make run` in development: "Serving on" once the server answers; one short log line per request."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import announce
from devopsboard.logging import configure_logging


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_serving_on_is_printed_only_once_the_server_answers(capsys):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    url = f"http://127.0.0.1:{server.server_port}/"
    server.server_close()  # nothing listens yet
    assert announce.main(["announce", url, "0.5"]) == 1
    assert "Serving on" not in capsys.readouterr().out

    late = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    url = f"http://127.0.0.1:{late.server_port}/"
    threading.Timer(0.5, late.serve_forever).start()
    started = time.monotonic()
    try:
        assert announce.main(["announce", url, "10"]) == 0
    finally:
        late.shutdown()
        late.server_close()
    assert time.monotonic() - started >= 0.4
    assert capsys.readouterr().out == f"Serving on {url} - log in as demo / demo\n"


def test_the_console_log_drops_django_structlogs_two_lines_per_request():
    assert configure_logging(level="INFO", fmt="console")["loggers"]["django_structlog"]["level"] == "WARNING"
    assert configure_logging(level="INFO", fmt="json")["loggers"]["django_structlog"]["level"] == "INFO"


@pytest.mark.django_db
def test_one_short_line_per_request_and_none_for_a_poll_that_finds_nothing(client_in, team, settings, caplog):
    from kanban.live import board_version
    from kanban.tests.factories import make_board

    settings.LOG_FORMAT = "console"
    board = make_board(team)
    with caplog.at_level(logging.INFO, logger="devopsboard.requests"):
        client_in.get(f"/t/{team.slug}/")
        version = board_version(board.pk, start=True)
        client_in.get(f"/t/{team.slug}/board/{board.pk}/changes/", {"since": version})
    lines = [r.getMessage() for r in caplog.records if r.name == "devopsboard.requests"]
    assert len(lines) == 1 and lines[0].startswith(f"GET /t/{team.slug}/ 200 ")
    assert lines[0].endswith(" ms")
