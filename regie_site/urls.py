"""URL configuration: the workbench pages, the REST API and its schema."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import analysis.urls
import coding.urls
from coding.views.help import favicon
from regie_site import tokens

urlpatterns = [
    # The API first: a coding script's hundreds of requests resolve without
    # Django trying (and listing) every page's pattern first.
    path("api/v1/auth/token/", tokens.TokenCreateView.as_view(), name="api-token"),
    path(
        "api/v1/auth/token/revoke/",
        tokens.TokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
    path(
        "api/v1/auth/token/revoke-all/",
        tokens.TokenRevokeAllView.as_view(),
        name="api-token-revoke-all",
    ),
    path("api/v1/", include("coding.api.urls")),
    path("api/v1/", include("agreement.api_urls")),
    path("api/v1/", include("analysis.api_urls")),
    path("api/v1/", include("interop.api_urls")),
    path("api/v1/", include("network.api.urls")),
    path("api/v1/", include("privacy.api.urls")),
    # The core's ``coding:`` names, with the analysis dashboard's (analysis/urls.py).
    path(
        "",
        include(
            ([*coding.urls.urlpatterns, *analysis.urls.coding_urlpatterns], "coding")
        ),
    ),
    path("", include("agreement.urls")),
    path("", include("analysis.urls")),
    path("", include("interop.urls")),
    path("", include("network.urls")),
    path("", include("privacy.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail: Django's own views, our templates
    # (templates/registration/password_reset_*.html).
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("favicon.ico", favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]
