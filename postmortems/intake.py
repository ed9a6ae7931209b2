"""POST /integrations/alertmanager/<team>/: check the bearer token, store the notification, answer.

Nothing but the check and the insert happens in the request; a task opens or updates the incident
after commit. A wrong or missing token gets 401 and nothing is stored.
"""

import json

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.tasks import task_enqueue
from postmortems.alertmanager import (
    MAX_BODY_BYTES,
    NotAnAlertmanagerPayload,
    alertmanager_team,
    notification_store,
    payload_check,
)


@csrf_exempt
def alertmanager_webhook(request: HttpRequest, team: str) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"detail": "Alertmanager delivers notifications with POST."}, status=405)
    found = alertmanager_team(team_slug=team, authorization=request.META.get("HTTP_AUTHORIZATION", ""))
    if found is None:
        response = JsonResponse({"detail": "Missing or wrong bearer token for this team's intake."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="alertmanager"'
        return response
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "The notification is larger than 1 MB."}, status=413)
    try:
        payload = json.loads(body)
        payload_check(payload)
    except (ValueError, NotAnAlertmanagerPayload) as error:
        return JsonResponse({"detail": f"This is not an Alertmanager webhook notification: {error}"}, status=400)
    with transaction.atomic():
        notification = notification_store(team=found, payload=payload)
        task_enqueue("postmortems.process_alert_notification", args=(notification.pk,))
    return JsonResponse({"detail": "Stored.", "id": notification.pk}, status=202)
