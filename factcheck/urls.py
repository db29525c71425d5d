from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from annotations.api.docs import ApiDocsView
from annotations.pages import login_limits

# Both sign-in forms count failed attempts per account and per address (pages/login_limits.py).
admin.site.login_form = login_limits.AdminLoginForm
login_view = auth_views.LoginView.as_view(
    redirect_authenticated_user=True, authentication_form=login_limits.LoginForm
)

urlpatterns = [
    path("login/", login_limits.limited(login_view), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/login/", login_limits.limited(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("annotations.api.urls")),
    path("", include("annotations.live.urls")),
    path("", include("annotations.pages.urls")),
]

handler404 = "annotations.api.errors.not_found"
