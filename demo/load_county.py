"""Loading the city (清远市) outline and the second county's demo through the import services."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from compliance.evaluation import county_of, evaluate
from dataio.importing import layer_import, records_import
from demo.common import YEARS
from demo.county2 import CITY_BOUNDARY, CountyProfile, generate_county
from layers.models import AdminArea

Progress = Callable[[str, int, int], None]
# Areas before what hangs off them; the records name their features by code within the county.
COUNTY_LAYERS = ["towns", "supply-zones", "irrigation-districts"]
COUNTY_RECORDS = ["area-stats", "water-balance", "irrigation-records"]


def city_load(*, progress: Progress | None = None, log: Callable[[str], None] = print) -> None:
    """The city's real outline (the parent of the demo counties), through the layer import."""
    log(layer_import(slug="towns", path=CITY_BOUNDARY, progress=progress).summary())


def county_load(
    profile: CountyProfile,
    *,
    out_dir: Path,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Generate `profile`'s files into out_dir and import them (its outline, layers and records,
    codes matched within the county), then evaluate its years; one transaction. The city must
    be loaded (city_load). Returns the county's manifest."""
    manifest = generate_county(profile, out_dir, progress=progress)
    with transaction.atomic():
        log(layer_import(slug="towns", path=profile.boundary, progress=progress).summary())
        for slug in COUNTY_LAYERS:
            log(layer_import(slug=slug, path=out_dir / f"{slug}.gpkg", progress=progress).summary())
        for kind in COUNTY_RECORDS:
            report = records_import(
                kind=kind, path=out_dir / f"{kind}.csv", progress=progress, county=profile.code
            )
            log(report.summary())
        area = county_of(profile.code)
        for year in YEARS:
            evaluation = evaluate(area=area, year=year, progress=progress)
            log(f"evaluated {area.name} {year}: {len(evaluation.rows)} results")
    return manifest


def county_is_loaded(profile: CountyProfile) -> bool:
    """True when the county's outline is in this database."""
    return AdminArea.objects.filter(level="county", code=profile.code).exists()
