"""The hydraulics API: the network as an EPANET .inp, runs (list, detail with node pressures,
start one, import a .inp run elsewhere). docs/hydraulics.md.

Reading runs: whoever may read the network (view_hydraulicrun, every role). Exporting and
running: engineers and admins (network.change_pipesegment). A run is synchronous, bounded by
API_MAX_NODE_HOURS (400 beyond), API_TIMEOUT_S (the child process is killed past it: 503) and
the service's size limits.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.views import APIView

from network.api.base import OBJ, NetworkWrites
from network.hydraulics import selectors, services
from network.hydraulics.inp import inp_text
from network.models import HydraulicRun

API_TIMEOUT_S = 90  # inside gunicorn's 120 s (docker/Dockerfile)
# Junctions × (hours + 1) a run in a request may take: the demo's 12,300 junctions over 24 h
# (about 20 s); more is for manage.py hydraulics_run.
API_MAX_NODE_HOURS = 350_000
RUN_ID = OpenApiParameter("run_id", int, OpenApiParameter.PATH)


class CanRunHydraulics(BasePermission):
    """Reads: view_hydraulicrun; export and writes: network.change_pipesegment."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and not getattr(view, "editors_only", False):
            return request.user.has_perm("network.view_hydraulicrun")
        return request.user.has_perm("network.change_pipesegment")


class ModelQuerySerializer(serializers.Serializer):
    hours = serializers.IntegerField(
        required=False, default=24, min_value=0, max_value=services.MAX_HOURS
    )
    month = serializers.IntegerField(required=False, min_value=1, max_value=12, default=None)
    zone = serializers.CharField(required=False, max_length=32, default=None)
    min_pressure_mpa = serializers.FloatField(
        required=False,
        default=services.DEFAULT_MIN_PRESSURE_MPA,
        min_value=0.001,
        max_value=2,
    )
    demand_model = serializers.ChoiceField(choices=("PDA", "DDA"), required=False, default="PDA")


class RunRequestSerializer(ModelQuerySerializer):
    # A run costs seconds of the server: the request says how long a period it simulates.
    hours = serializers.IntegerField(required=True, min_value=0, max_value=services.MAX_HOURS)
    engine = serializers.ChoiceField(choices=("epanet", "wntr"), required=False, default="epanet")


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    hours = serializers.IntegerField(
        required=False, default=24, min_value=0, max_value=services.MAX_HOURS
    )
    engine = serializers.ChoiceField(choices=("epanet", "wntr"), required=False, default="epanet")
    min_pressure_mpa = serializers.FloatField(
        required=False,
        default=services.DEFAULT_MIN_PRESSURE_MPA,
        min_value=0.001,
        max_value=2,
    )


class RunDetailQuerySerializer(serializers.Serializer):
    geojson = serializers.BooleanField(
        required=False,
        default=False,
        help_text="the nodes as a GeoJSON FeatureCollection of points (EPSG:4326)",
    )
    below = serializers.BooleanField(
        required=False, default=False, help_text="only the nodes below the minimum pressure"
    )


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


class HydraulicsApi(NetworkWrites, APIView):
    permission_classes = [IsAuthenticated, CanRunHydraulics]
    editors_only = False


class HydraulicsExportApi(HydraulicsApi):
    """GET /network/hydraulics/export.inp: the in-service network as an EPANET 2.2 input file
    (engineers, admins). ?hours (extended period, 24), month, zone, min_pressure_mpa and
    demand_model (PDA: required pressure = the minimum service pressure; DDA)."""

    editors_only = True

    @extend_schema(parameters=[ModelQuerySerializer], responses={(200, "text/plain"): str})
    def get(self, request, slug: str | None = None):
        v = _valid(ModelQuerySerializer, request.query_params)
        export = selectors.hydraulic_export(hours=v["hours"], month=v["month"], zone=v["zone"])
        if not export.model.junctions:
            raise services.HydraulicsError(
                "network_empty",
                _("There is no supplied part of the network to export."),
                field="zone",
            )
        required = None
        if v["demand_model"] == "PDA":
            required = round(v["min_pressure_mpa"] * selectors.M_PER_MPA, 2)
        text = inp_text(export.model, hours=v["hours"], required_pressure_m=required)
        notes = "".join(f"; {w}\n" for w in export.warnings)
        response = HttpResponse(notes + text, content_type="text/plain; charset=utf-8")
        name = f"network-{v['zone']}.inp" if v["zone"] else "network.inp"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class HydraulicRunListApi(HydraulicsApi):
    """GET /network/hydraulics/runs/: the latest runs. POST: run the network now (engineers,
    admins; synchronous, at most API_TIMEOUT_S seconds) → 201 with the run."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema(responses=OBJ, operation_id="network_hydraulics_runs_list")
    def get(self, request, slug: str | None = None):
        runs = selectors.hydraulic_runs()
        return _json({"count": len(runs), "runs": runs})

    @extend_schema(request=RunRequestSerializer, responses={201: OBJ})
    def post(self, request, slug: str | None = None):
        v = _valid(RunRequestSerializer, request.data)
        run = services.hydraulics_run(
            user=request.user,
            hours=v["hours"],
            engine=v["engine"],
            month=v["month"],
            zone=v["zone"],
            min_pressure_mpa=v["min_pressure_mpa"],
            demand_model=v["demand_model"],
            timeout_s=API_TIMEOUT_S,
            max_node_hours=API_MAX_NODE_HOURS,
        )
        return _json({**selectors.run_summary(run), "zones": selectors.run_zones(run.pk)}, 201)


class HydraulicRunImportApi(HydraulicsApi):
    """POST /network/hydraulics/runs/import/ (multipart: file, hours, engine,
    min_pressure_mpa): a .inp run elsewhere, run here by the same engine, its junctions'
    pressures stored against our nodes by ID → 201 with the run."""

    parser_classes = [MultiPartParser]
    editors_only = True

    @extend_schema(request=ImportRequestSerializer, responses={201: OBJ})
    def post(self, request, slug: str | None = None):
        v = _valid(ImportRequestSerializer, request.data)
        upload = v["file"]
        cap = services.limit("HYDRAULICS_MAX_INP_BYTES", services.MAX_INP_BYTES)
        content = upload.read(cap + 1)
        run = services.hydraulics_import(
            user=request.user,
            content=content,
            file_name=upload.name or "",
            hours=v["hours"],
            engine=v["engine"],
            min_pressure_mpa=v["min_pressure_mpa"],
            timeout_s=API_TIMEOUT_S,
        )
        return _json({**selectors.run_summary(run), "zones": selectors.run_zones(run.pk)}, 201)


class HydraulicRunDetailApi(HydraulicsApi):
    """GET /network/hydraulics/runs/<id>/: the run, its supply zones (junctions below the
    minimum, demand delivered) and every junction's pressures, lowest first; ?geojson=true
    for a FeatureCollection, ?below=true for the flagged nodes only."""

    @extend_schema(parameters=[RUN_ID, RunDetailQuerySerializer], responses=OBJ)
    def get(self, request, run_id: int, slug: str | None = None):
        v = _valid(RunDetailQuerySerializer, request.query_params)
        run = HydraulicRun.objects.select_related("created_by").filter(pk=run_id).first()
        if run is None:
            raise Http404(_("No hydraulic run %(id)s.") % {"id": run_id})
        geojson = v["geojson"]
        nodes = selectors.run_nodes(run.pk, below_only=v["below"], geojson=geojson)
        summary = {**selectors.run_summary(run), "zones": selectors.run_zones(run.pk)}
        if geojson:
            return _json({"type": "FeatureCollection", "run": summary, "features": nodes})
        return _json({**summary, "nodes": nodes})
