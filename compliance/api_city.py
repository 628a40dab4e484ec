"""The city roll-up over the API: its counties' outlines with their verdict and score, the
figures summed from the counties and the ratios recomputed from the sums."""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.api import AreaYearSerializer, HasPerm, query_valid
from compliance.rollup import city_rollup
from layers.models import AdminArea

# Outlines are simplified for the overview (~100 m); the counties' own layers keep every vertex.
OUTLINE_TOLERANCE_DEG = 0.001


def city_find(code: str | None) -> AdminArea | None:
    """The city with this code, or (no code) the first city that has counties."""
    qs = AdminArea.objects.filter(level=AdminArea.Level.CITY)
    if code:
        return qs.filter(code=code).first()
    return qs.filter(children__level=AdminArea.Level.COUNTY).distinct().order_by("code").first()


def county_collection(rollup: dict, city: AdminArea) -> dict:
    """GeoJSON of the city's counties (lon/lat), each with its verdict, score and pass line."""
    outlines = {
        a.code: a.geom for a in AdminArea.objects.filter(parent=city, level=AdminArea.Level.COUNTY)
    }
    features = []
    for c in rollup["counties"]:
        geom = outlines.get(c.code)
        if geom is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geom.simplify(OUTLINE_TOLERANCE_DEG, True).geojson),
                "properties": {
                    "code": c.code,
                    "name": c.name,
                    "verdict": c.verdict,
                    "total": c.total,
                    "pass_line": c.pass_line,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


class CityRollupApi(APIView):
    """GET ?area=<city code>&year=: the city's counties (GeoJSON with verdict and score),
    the sums of their figures, ratios from the sums, and per line how many counties pass."""

    permission_classes = [IsAuthenticated, HasPerm]
    required_perm = "compliance.view_result"

    @extend_schema(parameters=[AreaYearSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = query_valid(AreaYearSerializer, request.query_params)
        city = city_find(q.get("area"))
        if city is None and not q.get("area"):  # a database without a city: nothing to roll up
            return Response(
                {"area": None, "counties": {"type": "FeatureCollection", "features": []}}
            )
        if city is None:
            raise Http404(_("No such city."))
        rollup = city_rollup(city, q["year"])
        return Response(
            {
                "area": rollup["area"],
                "area_name": rollup["area_name"],
                "year": rollup["year"],
                "county_count": rollup["county_count"],
                "hidden_counties": rollup["hidden_counties"],
                "passed": rollup["passed"],
                "failed": rollup["failed"],
                "cannot_be_judged": rollup["cannot_be_judged"],
                "sums": rollup["sums"],
                "missing": rollup["missing"],
                "ratios": rollup["ratios"],
                "lines": rollup["lines"],
                "counties": county_collection(rollup, city),
            }
        )
