"""POST /integrations/alertmanager/<team>/: check the bearer token, store the notification, answer.

Nothing but the check and the insert happens in the request; a task opens or updates the incident
after commit. A wrong or missing token gets 401 and nothing is stored.
"""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.intake import body_read
from postmortems.alertmanager import alertmanager_team, notification_store
from postmortems.alertmanager_payload import MAX_BODY_BYTES, NotAnAlertmanagerPayload, payload_parse
from postmortems.tasks import process_alert_notification


@csrf_exempt
def alertmanager_webhook(request: HttpRequest, team: str) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"detail": "Alertmanager delivers notifications with POST."}, status=405)
    found = alertmanager_team(team_slug=team, authorization=request.META.get("HTTP_AUTHORIZATION", ""))
    if found is None:
        response = JsonResponse({"detail": "Missing or wrong bearer token for this team's intake."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="alertmanager"'
        return response
    body = body_read(request, max_bytes=MAX_BODY_BYTES)
    if body is None:
        return JsonResponse({"detail": "The notification is larger than 1 MB."}, status=413)
    try:
        payload = payload_parse(body)
    except NotAnAlertmanagerPayload as error:
        return JsonResponse({"detail": f"This is not an Alertmanager webhook notification: {error}."}, status=400)
    with transaction.atomic():
        notification, stored = notification_store(team=found, payload=payload)
        if not stored:
            return JsonResponse({"detail": "Already stored; not processed again.", "id": notification.pk}, status=200)
        transaction.on_commit(lambda: process_alert_notification.delay(notification.pk))
    return JsonResponse({"detail": "Stored.", "id": notification.pk}, status=202)
