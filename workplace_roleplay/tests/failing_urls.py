"""The project's URLs plus two that fail, for the error-page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from workplace_roleplay.urls import handler404, handler500
from workplace_roleplay.urls import urlpatterns as project_urlpatterns


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("failing on purpose")


urlpatterns = [path("broken/", _fail), path("api/v1/broken", _fail), *project_urlpatterns]
__all__ = ["handler404", "handler500", "urlpatterns"]
