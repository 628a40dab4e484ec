"""GET /qgis/project.qgs: the QGIS project of the layers the user may read
(gisapp/qgis_project.py; docs/desktop-clients.md)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from accounts.desktop_auth import DESKTOP_AUTHENTICATION
from accounts.scope import site_title
from gisapp.qgis_project import AUTHCFG, DEFAULT_AUTHCFG, qgis_project
from layers.api_desktop import base_url, english
from layers.api_tiles import JsonErrorsWhateverTheAccept
from layers.limits import scope_extent_4326
from layers.permissions import can_view_layer
from layers.registry import LAYERS
from layers.styles import compliance_style, paint_defaults, style_for

QGS = "application/x-qgis-project"


class ProjectQuerySerializer(serializers.Serializer):
    authcfg = serializers.RegexField(
        AUTHCFG,
        required=False,
        default=DEFAULT_AUTHCFG,
        error_messages={
            "invalid": gettext_lazy(
                "7 letters or digits: the id of a QGIS authentication configuration."
            )
        },
        help_text="id of the QGIS authentication configuration holding the API token",
    )


class QgisProjectApi(APIView):
    """A QGIS project (.qgs): every layer the user may read as an OGC API – Features layer of
    this server, styled as on the map, in EPSG:4546 over the county. Session or token."""

    authentication_classes = DESKTOP_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    content_negotiation_class = JsonErrorsWhateverTheAccept

    @extend_schema(parameters=[ProjectQuerySerializer], responses={(200, QGS): OpenApiTypes.STR})
    def get(self, request) -> HttpResponse:
        query = ProjectQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        compliance = compliance_style()
        layers = []
        for slug, spec in LAYERS.items():
            if can_view_layer(request.user, slug):
                style = style_for(slug)
                layers.append((spec, style, compliance if style.get("verdicts") else None))
        text = qgis_project(
            layers,
            title=site_title(request),
            base_url=base_url(request),
            bounds=scope_extent_4326(),
            defaults=paint_defaults(),
            english=english(),
            authcfg=query.validated_data["authcfg"],
        )
        response = HttpResponse(text.encode("utf-8"), content_type=f"{QGS}; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="lianzhou.qgs"'
        response["Cache-Control"] = "private, no-cache"
        return response
