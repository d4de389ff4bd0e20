"""The Help page (the user guide inside the app) and the site's favicon."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from coding.userguide import guide_language, guide_render, page_chapter


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """The user guide in the request's language; chapters are ``#anchors``.

    Open to everyone (the guide is public, like the repository it comes from), so
    the login page's "?" works too.
    """
    language = guide_language(get_language())
    guide = guide_render(language)
    return TemplateResponse(
        request,
        "coding/help.html",
        {
            "guide_html": mark_safe(guide.html),  # our own file, raw HTML escaped
            "chapters": guide.chapters,
            "guide_language": language,
        },
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for ``/favicon.ico`` whatever the page links: send them to the
    SVG icon among our static files."""
    return redirect(static("img/favicon.svg"))


def help_link(request: HttpRequest) -> dict[str, str]:
    """Context processor: ``help_url``, the guide's chapter on the current page (the
    "?" beside its title), or ``""`` when no chapter explains it."""
    match = getattr(request, "resolver_match", None)
    anchor = page_chapter(match.view_name if match else None)
    if not anchor:
        return {"help_url": ""}
    return {"help_url": f"{reverse('coding:help_page')}#{anchor}"}
