"""The project's URLs plus one view that crashes, for the error page tests."""

from django.urls import path

from devopsboard.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("crash/", crash), path("api/v1/crash/", crash)]
