"""The live stream's addresses: the article's Events as Server-Sent Events, and the fragments
the page fetches after one. Included by the project's URL configuration before the pages."""

from __future__ import annotations

from django.urls import path

from annotations.live import views

urlpatterns = [
    path("articles/<int:pk>/live/", views.article_live, name="article_live"),
    path(
        "articles/<int:pk>/live/refresh/",
        views.article_live_refresh,
        name="article_live_refresh",
    ),
]
