"""The GitHub webhook endpoint: verify, store, answer. Nothing else happens in the request (issue 5).

GitHub wants a 2xx within 10 seconds and does not redeliver by itself, so the request
does no GitHub call and never waits on the broker: the delivery is stored, a drain is
requested after commit (one Redis round trip, no message per delivery), and a broker
failure is left to the sweep.
https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
"""

import orjson
import structlog
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations import webhook_services

logger = structlog.get_logger(__name__)


def _answer(detail: str, code: int, **extra) -> HttpResponse:
    # orjson over JsonResponse's encoder: this answers every delivery GitHub sends.
    return HttpResponse(orjson.dumps({"detail": detail, **extra}), content_type="application/json", status=code)


@csrf_exempt
def github_webhook(request, connection_id: int):
    if request.method != "POST":
        return _answer("GitHub delivers webhooks with POST.", 405)
    try:
        return _receive(request, connection_id)
    except (OperationalError, InterfaceError) as error:
        # GitHub shows the delivery as failed; the reconciler asks for its redelivery later.
        logger.error("webhook.database_unavailable", connection_id=connection_id, error=error.__class__.__name__)
        return _answer("The database is unavailable; this delivery was not stored.", 503)


def _receive(request, connection_id: int) -> HttpResponse:
    meta = request.META  # plain dict lookups: request.headers parses names on every access
    length = int(meta.get("CONTENT_LENGTH") or 0)
    if length > webhook_services.MAX_BODY_BYTES:
        return _answer("The payload is larger than GitHub's 25 MB limit.", 413)
    key = webhook_services.connection_webhook_key(connection_id=connection_id)
    if key is None:
        return _answer("No such webhook.", 404)
    # The raw stream, not request.body: GitHub payloads may exceed DATA_UPLOAD_MAX_MEMORY_SIZE.
    body = request.read(webhook_services.MAX_BODY_BYTES + 1)
    if len(body) > webhook_services.MAX_BODY_BYTES:
        return _answer("The payload is larger than GitHub's 25 MB limit.", 413)
    signature = meta.get("HTTP_X_HUB_SIGNATURE_256", "")
    payload = None
    for _ in range(2):
        if not webhook_services.signature_valid(secret=key.secret, body=body, header=signature):
            if key.cached:  # the secret may have changed since: check against the stored one
                key = webhook_services.connection_webhook_key(connection_id=connection_id, cached_ok=False)
                if key is None:
                    return _answer("No such webhook.", 404)
                continue
            logger.warning("webhook.bad_signature", connection_id=connection_id, signed=bool(signature))
            return _answer("Missing or wrong X-Hub-Signature-256 for this webhook's secret.", 401)
        if payload is None:
            headers = webhook_services.kept_headers(meta)
            event = headers.get("X-GitHub-Event", "").strip()
            guid = headers.get("X-GitHub-Delivery", "").strip()
            if not event or not guid or len(event) > 64 or len(guid) > 64:
                return _answer("This is not a GitHub event: X-GitHub-Event and X-GitHub-Delivery are required.", 400)
            if any("\x00" in value for value in headers.values()):
                return _answer("This is not a GitHub event: a header carries a NUL character.", 400)
            try:
                payload = webhook_services.payload_parse(body=body, content_type=headers.get("Content-Type", ""))
            except webhook_services.NotAGitHubEvent as error:
                return _answer(f"This is not a GitHub event: {error}", 400)
        try:
            delivery = webhook_services.delivery_store(
                connection_id=connection_id,
                key=key,
                guid=guid,
                event=event,
                headers=headers,
                body=body,
                payload=payload,
            )
        except webhook_services.ConnectionChanged:
            # The secret changed (or the connection went) since the key was read: verify again.
            key = webhook_services.connection_webhook_key(connection_id=connection_id, cached_ok=False)
            if key is None:
                return _answer("No such webhook.", 404)
            continue
        if delivery is None:
            return _answer("Already received; not processed again.", 200, guid=guid)
        if event == "ping":
            return _answer("pong", 200, guid=guid, zen=str(payload.get("zen", ""))[:200])
        return _answer("Received.", 202 if delivery.status == "received" else 200, guid=guid, status=delivery.status)
    return _answer("The webhook's secret changed while this delivery was received; it was not stored.", 503)
