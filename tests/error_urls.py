"""The project's URLconf plus one page that fails, to see the 500 page."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from factcheck.urls import handler404
from factcheck.urls import urlpatterns as project_patterns


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("fails/", fails), *project_patterns]

__all__ = ["handler404", "urlpatterns"]
