"""The GitHub webhook endpoint: verify, store, answer. Nothing else happens in the request.

GitHub wants a 2xx within 10 seconds and does not redeliver by itself, so the request does no
GitHub call and never waits on the broker: the delivery is stored, the workers are told after
commit (one Redis round trip per burst), and a broker failure is left to the sweep.
https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
"""

import orjson
import structlog
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from core.intake import body_read
from core.outages import RETRY_AFTER_SECONDS, outage_report
from integrations.webhooks import store
from integrations.webhooks.request import (
    MAX_BODY_BYTES,
    NotAGitHubEvent,
    kept_headers,
    payload_parse,
    signature_valid,
)

logger = structlog.get_logger(__name__)


def _answer(detail: str, code: int, **extra) -> HttpResponse:
    return HttpResponse(orjson.dumps({"detail": detail, **extra}), content_type="application/json", status=code)


@csrf_exempt
def github_webhook(request, connection_id: int):
    if request.method != "POST":
        return _answer("GitHub delivers webhooks with POST.", 405)
    try:
        return _receive(request, connection_id)
    except (OperationalError, InterfaceError) as error:
        # GitHub shows the delivery as failed; the reconciler asks for its redelivery later.
        outage_report("database", error)  # once a minute, not once per delivery
        response = _answer("The database is unavailable; this delivery was not stored.", 503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def _receive(request, connection_id: int) -> HttpResponse:
    key = store.connection_webhook_key(connection_id=connection_id)
    if key is None:
        return _answer("No such webhook.", 404)
    body = body_read(request, max_bytes=MAX_BODY_BYTES)
    if body is None:
        return _answer("The payload is larger than GitHub's 25 MB limit.", 413)
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature_valid(secret=key.secret, body=body, header=signature):
        logger.warning("webhook.bad_signature", connection_id=connection_id, signed=bool(signature))
        return _answer("Missing or wrong X-Hub-Signature-256 for this webhook's secret.", 401)
    headers = kept_headers(request.headers)
    event = headers.get("X-GitHub-Event", "").strip()
    guid = headers.get("X-GitHub-Delivery", "").strip()
    if not event or not guid or len(event) > 64 or len(guid) > 64:
        return _answer("This is not a GitHub event: X-GitHub-Event and X-GitHub-Delivery are required.", 400)
    if any("\x00" in value for value in headers.values()):
        return _answer("This is not a GitHub event: a header carries a NUL character.", 400)
    try:
        payload = payload_parse(body=body, content_type=headers.get("Content-Type", ""))
    except NotAGitHubEvent as error:
        return _answer(f"This is not a GitHub event: {error}", 400)
    delivery = store.delivery_store(
        connection_id=connection_id, key=key, guid=guid, event=event, headers=headers, body=body, payload=payload
    )
    if delivery is None:
        return _answer("Already received; not processed again.", 200, guid=guid)
    if event == "ping":
        return _answer("pong", 200, guid=guid, zen=str(payload.get("zen", ""))[:200])
    return _answer("Received.", 202 if delivery.status == "received" else 200, guid=guid, status=delivery.status)
