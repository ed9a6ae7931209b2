"""The app's URLs plus `bench/trivial/`: the framework's ceiling, through the same middleware."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from devopsboard.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def trivial(request):
    request.read()
    return HttpResponse(b'{"detail": "ok"}', content_type="application/json", status=202)


urlpatterns = [path("bench/trivial/", trivial), *app_urlpatterns]
