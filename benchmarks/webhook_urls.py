"""The app's URLs plus the two baselines the webhook endpoint is measured against, through the same middleware.

- `bench/trivial/`: reads the body and answers (the framework's ceiling);
- `bench/receiver/<id>/`: the common receiver (Read the Docs' shape): look the connection's secret up,
  verify the signature, `task.delay(payload)`, answer. Nothing durable exists until a worker runs the task.
"""

import json

from celery import shared_task
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from devopsboard.urls import urlpatterns as app_urlpatterns
from integrations.models import Connection
from integrations.webhooks.request import signature_valid


@shared_task(name="bench.process_payload")
def process_payload(payload: dict) -> None:
    """Never run: the benchmark starts no worker; publishing is what is measured."""


@csrf_exempt
def trivial(request):
    request.read()
    return HttpResponse(b'{"detail": "ok"}', content_type="application/json", status=202)


@csrf_exempt
def receiver(request, connection_id: int):
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return HttpResponse(status=404)
    body = request.body
    if not signature_valid(
        secret=connection.webhook_secret, body=body, header=request.headers.get("X-Hub-Signature-256", "")
    ):
        return HttpResponse(status=401)
    process_payload.delay(json.loads(body))
    return HttpResponse(b'{"detail": "Received."}', content_type="application/json", status=202)


urlpatterns = [path("bench/trivial/", trivial), path("bench/receiver/<int:connection_id>/", receiver), *app_urlpatterns]
