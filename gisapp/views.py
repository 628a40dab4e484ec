"""Site pages: home, language switch, error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from layers.api_errors import json_error
from layers.permissions import can_view_layer
from layers.registry import LAYERS
from layers.selectors import layer_counts

from .middleware import LANGUAGE_COOKIE


class HomeView(TemplateView):
    """The landing page: the layers this user may read, with their counts."""

    template_name = "gisapp/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = layer_counts()
        context["layers"] = [
            {
                "slug": slug,
                "title": spec.title,
                "count": counts.get(slug, 0),
                "geometry_type": spec.geometry_type,
            }
            for slug, spec in LAYERS.items()
            if can_view_layer(self.request.user, slug)
        ]
        return context


@method_decorator(login_not_required, name="dispatch")
class LanguageSwitchView(View):
    """Sets the language cookie (zh-hans or en) and returns to the page the user came from."""

    def post(self, request):
        language = request.POST.get("language", settings.LANGUAGE_CODE)
        target = request.POST.get("next", "/")
        if not url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        response = HttpResponseRedirect(target)
        if language in dict(settings.LANGUAGES):
            response.set_cookie(
                LANGUAGE_COOKIE,
                language,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included."""
    return HttpResponseRedirect(static("gisapp/favicon.svg"))


def _wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/tiles/"))


def page_not_found(request, exception=None):
    """404: JSON under /api/ and /tiles/, a page elsewhere."""
    if _wants_json(request):
        return json_error(404, _("Not found."))
    return render(
        request, "gisapp/error.html", {"status": 404, "message": _("Page not found.")}, status=404
    )


def server_error(request):
    """500: JSON under /api/ and /tiles/, a page elsewhere."""
    if _wants_json(request):
        return json_error(500, _("Internal error; it has been logged."))
    return render(
        request,
        "gisapp/error.html",
        {"status": 500, "message": _("Internal error; it has been logged.")},
        status=500,
    )
