"""What a GitHub webhook request carries: its signature, the headers worth keeping, its payload. No ORM.

https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
"""

import hmac
import urllib.parse

from core.intake import BodyRefused, json_parse

MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
# Headers worth keeping with the delivery (never a secret: GitHub sends none).
KEPT_HEADERS = (
    "X-GitHub-Event",
    "X-GitHub-Delivery",
    "X-GitHub-Hook-ID",
    "X-GitHub-Hook-Installation-Target-ID",
    "X-GitHub-Hook-Installation-Target-Type",
    "X-Hub-Signature-256",
    "User-Agent",
    "Content-Type",
)


class NotAGitHubEvent(ValueError):
    """The request is signed but does not carry a GitHub event."""


def kept_headers(headers) -> dict[str, str]:
    """The KEPT_HEADERS a request carries (from `request.headers`), by their HTTP names."""
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    """Check `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) in constant time."""
    if not secret or not header:
        return False
    expected = b"sha256=" + hmac.digest(secret.encode(), body, "sha256").hex().encode()
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


def payload_parse(*, body: bytes, content_type: str) -> dict:
    """The event payload of a raw body, sent as `application/json` or as a form with a `payload` field."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        if kind == "application/x-www-form-urlencoded":
            fields = urllib.parse.parse_qs(body.decode("utf-8"), max_num_fields=100)
            if "payload" not in fields:
                raise NotAGitHubEvent("The form has no `payload` field.")
            raw: str | bytes = fields["payload"][0]
        elif kind in ("application/json", "") or kind.endswith("+json"):
            raw = body
        else:
            raise NotAGitHubEvent(f"Content type {kind} is not one GitHub sends; pick application/json.")
        # GitHub's payloads may carry NUL (a commit message can): the raw body is kept, text columns strip it.
        payload = json_parse(raw, nul_allowed=True)
    except UnicodeDecodeError:
        raise NotAGitHubEvent("The payload is not UTF-8.") from None
    except BodyRefused as error:
        raise NotAGitHubEvent(f"The payload is not JSON: {error}.") from None
    if not isinstance(payload, dict):
        raise NotAGitHubEvent("The payload is not a JSON object.")
    return payload
