"""A local HTTP server speaking GitHub's hook-deliveries API, for reconciler tests.

Shapes from https://docs.github.com/en/rest/repos/webhooks#list-deliveries-for-a-repository-webhook:
newest first, cursor pagination through the `Link` header, redelivery answered 202.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DELIVERIES = re.compile(r"^/(?:repos/[^/]+/[^/]+|orgs/[^/]+)/hooks/(\d+)/deliveries$")
ATTEMPTS = re.compile(r"^/(?:repos/[^/]+/[^/]+|orgs/[^/]+)/hooks/(\d+)/deliveries/(\d+)/attempts$")


def hook_delivery(delivery_id: int, guid: str, *, delivered_at: str, status_code: int, event: str = "issues") -> dict:
    return {
        "id": delivery_id,
        "guid": guid,
        "delivered_at": delivered_at,
        "redelivery": False,
        "duration": 0.27,
        "status": "OK" if 200 <= status_code < 300 else "Service Unavailable",
        "status_code": status_code,
        "event": event,
        "action": "opened",
        "installation_id": None,
        "repository_id": 1,
        "throttled_at": None,
    }


class FakeHookGitHub:
    def __init__(self, *, page_size: int = 2):
        self.page_size = page_size
        self.deliveries: dict[int, list[dict]] = {}  # hook id -> deliveries, newest first
        self.redelivered: list[tuple[int, int]] = []  # (hook id, delivery id)
        self.requests: list[str] = []
        self.fail_with: int | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, data=None, headers=None):
                body = json.dumps(data).encode() if data is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlparse(self.path)
                fake.requests.append(f"GET {url.path}")
                if fake.fail_with:
                    return self._send(fake.fail_with, {"message": "Server Error"})
                match = DELIVERIES.match(url.path)
                if not match:
                    return self._send(404, {"message": "Not Found"})
                items = fake.deliveries.get(int(match.group(1)), [])
                query = parse_qs(url.query)
                start = int(query.get("cursor", ["0"])[0])
                page = items[start : start + fake.page_size]
                headers = {"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "9999999999"}
                if start + fake.page_size < len(items):
                    base = f"http://{self.headers['Host']}{url.path}"
                    headers["Link"] = f'<{base}?per_page={fake.page_size}&cursor={start + fake.page_size}>; rel="next"'
                return self._send(200, page, headers)

            def do_POST(self):
                url = urlparse(self.path)
                fake.requests.append(f"POST {url.path}")
                match = ATTEMPTS.match(url.path)
                if not match:
                    return self._send(404, {"message": "Not Found"})
                fake.redelivered.append((int(match.group(1)), int(match.group(2))))
                return self._send(202, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
