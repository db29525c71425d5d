"""The live stream's address: the article's Events as Server-Sent Events. (The fragments the
page fetches after an Event are a page: pages/workspace/views.article_live_refresh.)"""

from __future__ import annotations

from django.urls import path

from annotations.live import views

urlpatterns = [
    path("articles/<int:pk>/live/", views.article_live, name="article_live"),
]
