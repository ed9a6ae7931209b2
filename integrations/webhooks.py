"""The GitHub webhook endpoint (issue 5)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def github_webhook(request, connection_id: int):
    return JsonResponse({"detail": "Webhook ingestion is not built yet."}, status=501)
