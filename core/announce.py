"""Print "Serving on <url>" once the development server answers (`make run` starts it beside runserver).

Only the standard library: it runs before and beside Django, not inside it.
Usage: python -m core.announce http://127.0.0.1:8000/ [seconds to wait]
"""

import sys
import time
import urllib.error
import urllib.request

HINT = "log in as demo / demo"


def wait_until_serving(url: str, *, timeout: float = 180.0, interval: float = 0.3) -> bool:
    """Whether `url`healthz answered 200 within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(interval)
    return False


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/"
    timeout = float(argv[2]) if len(argv) > 2 else 180.0
    if wait_until_serving(url, timeout=timeout):
        print(f"Serving on {url} - {HINT}", flush=True)
        return 0
    print(f"The server at {url} did not answer within {timeout:.0f} s; see the lines above.", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
