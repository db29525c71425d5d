"""The REST API under /api/v1/. Each module owns its own urlpatterns."""

from django.urls import include, path

from annotations.api import agreement as agreement_api
from annotations.api import articles, benchmark, claims, export, w3c
from annotations.api import assignments as assignment_api
from annotations.api import audit as audit_api
from annotations.api import notifications as notification_api
from annotations.api import publishing as publishing_api
from annotations.api import teams as team_api

urlpatterns = [
    path(
        "v1/",
        include(
            benchmark.urlpatterns
            + articles.urlpatterns
            + claims.urlpatterns
            + export.urlpatterns
            + w3c.urlpatterns
        ),
    ),
    path("v1/", include(notification_api.urlpatterns)),
    path("v1/", include(audit_api.urlpatterns)),
    path("v1/", include(agreement_api.urlpatterns)),
    path("v1/", include(assignment_api.urlpatterns)),
    path("v1/", include(team_api.urlpatterns)),
    path("v1/", include(publishing_api.urlpatterns)),
]
