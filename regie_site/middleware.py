"""Request tweaks that must happen before URL resolution."""

from __future__ import annotations

from django.urls import Resolver404, resolve


class ApiTrailingSlashMiddleware:
    """Accept ``/api/…`` URLs without their final slash.

    Researchers' scripts often call ``/api/v1/projects`` for ``/api/v1/projects/``;
    Django cannot redirect a POST without losing its body (with DEBUG on it even
    raises), so the path is completed here when only the slash is missing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/"):
            try:
                resolve(path)
            except Resolver404:
                try:
                    resolve(path + "/")
                except Resolver404:
                    pass
                else:
                    request.path_info = path + "/"
                    request.path = request.path + "/"
        return self.get_response(request)
