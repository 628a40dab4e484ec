"""The Lianzhou demo: generated files loaded through the same import services users run."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Max

from accounts.models import AreaMembership
from accounts.roles import roles_sync
from compliance.evaluation import county_of, evaluate
from dataio.importing import layer_import, records_import
from dataio.importing.raster_import import raster_import
from demo.common import COUNTY_CODE
from demo.generator import generate
from layers.models import AdminArea, LayerVersion
from network.hydraulics.services import hydraulics_run
from network.models import HydraulicRun, LeakRecord, PipeSegment
from network.services.leaks import leak_record
from rasters.services import pipe_nodes_sample_elevation

DEMO_MARKER = "demo"
BOUNDARY_CODE = "441882"
DEMO_YEARS = (2023, 2024, 2025)
BOUNDARY = Path(settings.BASE_DIR) / "data" / "lianzhou_boundary.geojson"
# The plan's supervision board (督查), written by hand from the county plan: shipped, not generated.
PLAN_FILES = (
    ("plan-tasks", Path(settings.BASE_DIR) / "data" / "plan_tasks.csv"),
    ("plan-task-notes", Path(settings.BASE_DIR) / "data" / "plan_task_notes.csv"),
)
# Order matters: areas before what hangs off them, nodes before pipes.
LAYER_ORDER = [
    "towns",
    "roads",
    "supply-zones",
    "water-function-zones",
    "irrigation-districts",
    "pipe-nodes",
    "pipes",
    "sewage-plants",
    "water-users",
]
RECORD_ORDER = [
    "area-stats",
    "water-quality-samples",
    "water-balance",
    "sewage-plant-months",
    "irrigation-records",
    "consumption",
    # management registers (台账); quota checks hang off the users
    "policy-documents",
    "tariff-bands",
    "agricultural-price-reform",
    "water-quotas",
    "district-quotas",
    "quota-checks",
    "construction-projects",
    "appliance-surveys",
    "publicity-events",
    "user-associations",
    "withdrawal-permits",
    "resource-levies",
    "carrier-recognitions",
    "nonconventional-uses",
    "key-users",
]
RASTER_ORDER = ["elevation", "rainfall", "land-use"]  # <slug>.tif from the generator
RASTER_SOURCE = "synthetic demo raster (demo.rasters); invented, not real data"

# Demo accounts exist only where the demo loader ran; production never creates them.
DEMO_ACCOUNTS = {
    "admin": ("admin", "Admin#Lianzhou2026"),
    "official": ("official", "Official#Lianzhou2026"),
    "engineer": ("engineer", "Engineer#Lianzhou2026"),
    "planner": ("planner", "Planner#Lianzhou2026"),
    "qingyuan": ("official", "Official#Qingyuan2026"),
    "yangshan": ("engineer", "Engineer#Yangshan2026"),
}
# The area each demo account works for (layers/scope.py): Lianzhou unless named here; the
# admin is a superuser and sees every county.
DEMO_AREAS = {"qingyuan": "441800", "yangshan": "441823"}

Progress = Callable[[str, int, int], None]


def demo_is_loaded() -> bool:
    """True when the demo was loaded into this database."""
    return LayerVersion.objects.filter(key=DEMO_MARKER).exists()


# The data versions a hydraulic run reads (network/hydraulics/selectors.py).
HYDRAULIC_INPUTS = (
    "pipes",
    "pipe-nodes",
    "supply-zones",
    "water-balance",
    "water-users",
    "consumption",
)


def hydraulics_current() -> bool:
    """Whether a finished run of the network is newer than every change of what it reads."""
    latest = (
        HydraulicRun.objects.filter(status="done", source="network").order_by("-created_at").first()
    )
    if latest is None:
        return False
    changed = LayerVersion.objects.filter(key__in=HYDRAULIC_INPUTS).aggregate(m=Max("changed_at"))
    return changed["m"] is None or latest.created_at >= changed["m"]


def demo_accounts_create() -> None:
    """Create (or reset) one account per role, with the documented demo passwords."""
    roles_sync()
    users = get_user_model()
    for username, (role, password) in DEMO_ACCOUNTS.items():
        user, _created = users.objects.get_or_create(username=username)
        user.set_password(password)
        # Engineers and admins maintain data in the admin site; officials and planners do not.
        user.is_staff = role in ("admin", "engineer")
        user.is_superuser = role == "admin"
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        area = AdminArea.objects.filter(code=DEMO_AREAS.get(username, COUNTY_CODE)).first()
        if area is not None and not user.is_superuser:
            AreaMembership.objects.update_or_create(user=user, defaults={"area": area})


def leaks_load(path: Path) -> int:
    """The demo's leak ledger, each leak recorded through the network's leak service (on its
    pipe's midpoint, with the same checks as the API), each (pipe, day found) once. Returns the
    number recorded."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pipe_ids = dict(
        PipeSegment.objects.filter(code__in={r["pipe_code"] for r in rows}).values_list(
            "code", "id"
        )
    )
    recorded = set(
        LeakRecord.objects.filter(pipe_id__in=pipe_ids.values()).values_list("pipe_id", "found_on")
    )
    written = 0
    for r in rows:
        found_on = dt.date.fromisoformat(r["found_on"])
        if (pipe_ids[r["pipe_code"]], found_on) in recorded:
            continue  # loaded before (load_demo --force): recorded once
        written += 1
        leak_record(
            pipe_id=pipe_ids[r["pipe_code"]],
            at=None,
            found_on=found_on,
            repaired_on=dt.date.fromisoformat(r["repaired_on"]) if r["repaired_on"] else None,
            estimated_loss_m3=float(r["estimated_loss_m3"]),
            cause=r["cause"],
            user=None,
        )
    return written


def duplicates_load(pairs: list[list[str]]) -> int:
    """The planted duplicate pipes ([original code, copy code]) written straight into PostGIS,
    as a desktop GIS editing the table would: the import refuses them (as the editor does),
    the network check finds them. A copy already there (load_demo --force) is left as it is.
    Returns the number written."""
    written = 0
    with connection.cursor() as cur:
        for original, copy in pairs:
            cur.execute(
                "INSERT INTO layers_pipesegment (code, geom, start_node_id, end_node_id, "
                " diameter_mm, material, install_year, status, length_m, version, updated_at, "
                " town_id, supply_zone_id) "
                "SELECT %s, geom, start_node_id, end_node_id, diameter_mm, material, "
                " install_year, status, length_m, 1, now(), town_id, supply_zone_id "
                "FROM layers_pipesegment WHERE code = %s "
                " AND NOT EXISTS (SELECT 1 FROM layers_pipesegment WHERE code = %s)",
                [copy, original, copy],
            )
            written += cur.rowcount
    return written


def demo_load(
    *,
    out_dir: Path,
    seed: int = 441882,
    scale: float = 1.0,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Generate the demo files into out_dir and import them, all in one transaction."""
    manifest = generate(out_dir, seed=seed, scale=scale, progress=progress)
    with transaction.atomic():
        log(layer_import(slug="towns", path=BOUNDARY, progress=progress).summary())
        for slug in LAYER_ORDER:
            log(layer_import(slug=slug, path=out_dir / f"{slug}.gpkg", progress=progress).summary())
        duplicates = manifest["network_problems"]["duplicate_segments"]
        log(f"duplicate pipes written directly: {duplicates_load(duplicates)}")
        for kind in RECORD_ORDER:
            log(
                records_import(
                    kind=kind, path=out_dir / f"{kind}.csv", progress=progress, county=COUNTY_CODE
                ).summary()
            )
        for kind, path in PLAN_FILES:
            log(
                records_import(
                    kind=kind, path=path, progress=progress, county=COUNTY_CODE
                ).summary()
            )
        log(f"leak records: {leaks_load(out_dir / 'leak-records.csv')}")
        for slug in RASTER_ORDER:
            path = out_dir / f"{slug}.tif"
            log(raster_import(slug=slug, path=path, source=RASTER_SOURCE).summary())
        log(f"pipe nodes given an elevation: {pipe_nodes_sample_elevation()}")
        demo_accounts_create()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # planner statistics for the freshly loaded tables
        # Steady state at mean-day demand: the zones' service-pressure verdicts of the latest year
        # (docs/hydraulics.md); a run takes ~10-20 s at scale 1. A reload that changed none of
        # its inputs keeps the run it has.
        if hydraulics_current():
            log("hydraulic run: the latest is current")
        else:
            run = hydraulics_run(hours=0)
            log(
                f"hydraulic run {run.pk}: {run.node_count} junctions, "
                f"{run.below_count} below the minimum"
            )
        area = county_of(BOUNDARY_CODE)
        for year in manifest.get("years", DEMO_YEARS):
            evaluation = evaluate(area=area, year=int(year), progress=progress)
            log(f"evaluated {area.name} {year}: {len(evaluation.rows)} results")
        # A marker row (not a data version: nothing depends on it) saying the demo is in.
        LayerVersion.objects.update_or_create(key=DEMO_MARKER, defaults={"version": 1})
    log(f"demo loaded: seed {manifest.get('seed', seed)}, scale {manifest.get('scale', scale)}")
