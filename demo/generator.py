"""Entry point of the demo-data generator: writes every layer and record file plus manifest.json.

Usage: python -m demo.generator --out data/demo --seed 441882 --scale 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import shapely

from demo import checks, registers
from demo.budget import (
    BASE_YEAR,
    abstractions,
    base_year_row,
    county_caps,
    economy,
    intensity_story,
    total_use,
    user_targets,
)
from demo.common import (
    COUNTY_CODE,
    YEARS,
    Progress,
    load_outline,
    lonlat_to_xy,
    no_progress,
    to_metric,
    write_csv,
    write_gpkg,
)
from demo.manifest import build_manifest, water_use_caps
from demo.network import Demand, Network, build_network, lonlat_lines
from demo.rasters import Terrain, write_rasters
from demo.records import (
    AREA_STATS_HEADER,
    BALANCE_HEADER,
    IRRIGATION_HEADER,
    LEAK_HEADER,
    PLANT_MONTH_HEADER,
    PLANTS,
    QUALITY_HEADER,
    area_stats_rows,
    balance_rows,
    irrigation_rows,
    leak_rows,
    plant_month_rows,
    plant_points,
    quality_rows,
)
from demo.roads import build_roads
from demo.towns import SUPPLY_ZONES, SupplyZone, build_supply_zones, build_towns
from demo.users import (
    SPECIAL_USERS,
    assign_carriers,
    assign_plans,
    build_users,
    write_consumption,
)
from demo.water import build_water_layers

DEFAULT_SEED = 441882
STEPS = (
    "towns",
    "roads",
    "water",
    "rasters",
    "supply-zones",
    "network",
    "sewage-plants",
    "records",
    "water-users",
    "consumption",
    "leak-records",
    "registers",
    "area-stats",
    "manifest",
)


def generate(
    out_dir: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0, progress: Progress | None = None
) -> dict:
    """Write the demo layers (GeoPackage, EPSG:4326) and records (CSV) into out_dir.

    scale multiplies the pipe segments (~20,000) and water users (~2,000, with 36 months of
    consumption each); everything else is the same at every scale. progress(step, done, total)
    is called as each step of STEPS advances. Returns the manifest (also manifest.json).
    Same seed and scale give byte-identical CSVs and identical features.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    report = progress or no_progress
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    report("towns", 0, 1)
    outline = load_outline()
    outline_m = to_metric(outline)
    towns = build_towns(outline, seed)
    counts["towns.gpkg"] = write_gpkg(
        out_dir / "towns.gpkg",
        [t.geom for t in towns],
        {
            "code": _obj(t.code for t in towns),
            "name": _obj(t.spec.name for t in towns),
            "parent_code": _obj(COUNTY_CODE for _ in towns),
        },
        "MultiPolygon",
    )
    report("towns", 1, 1)

    report("roads", 0, 1)
    roads = build_roads(outline, seed)
    counts["roads.gpkg"] = write_gpkg(
        out_dir / "roads.gpkg",
        [r.geom for r in roads],
        {
            "code": _obj(r.spec.code for r in roads),
            "name": _obj(r.spec.name for r in roads),
            "grade": _obj(r.spec.grade for r in roads),
        },
        "LineString",
    )
    report("roads", 1, 1)

    report("water", 0, 1)
    water = build_water_layers(outline_m, seed)
    zs = water.zones
    counts["water-function-zones.gpkg"] = write_gpkg(
        out_dir / "water-function-zones.gpkg",
        [z[1] for z in zs],
        {
            "code": _obj(z[0].code for z in zs),
            "name": _obj(z[0].name for z in zs),
            "river": _obj(z[0].river for z in zs),
            "water_body": _obj(z[0].water_body for z in zs),
            "target_class": np.array([z[0].target_class for z in zs], dtype=np.int32),
        },
        "Polygon",
    )
    ds = water.districts
    counts["irrigation-districts.gpkg"] = write_gpkg(
        out_dir / "irrigation-districts.gpkg",
        [d[1] for d in ds],
        {
            "code": _obj(d[0].code for d in ds),
            "name": _obj(d[0].name for d in ds),
            "size": _obj(d[0].size for d in ds),
            "effective_area_mu": np.array([d[3] for d in ds], dtype=float),
            "efficient_area_mu": np.array([d[4] for d in ds], dtype=float),
            "main_crop": _obj(d[0].main_crop for d in ds),
        },
        "Polygon",
    )
    report("water", 1, 1)

    report("rasters", 0, 1)
    rasters = write_rasters(out_dir, outline_m, water, seed)  # GeoTIFFs; not in counts
    report("rasters", 1, 1)

    report("supply-zones", 0, 1)
    zones = build_supply_zones(towns, seed)
    counts["supply-zones.gpkg"] = write_gpkg(
        out_dir / "supply-zones.gpkg",
        [z.geom for z in zones],
        {
            "code": _obj(z.code for z in zones),
            "name": _obj(z.spec.name for z in zones),
            "company": _obj(z.spec.company for z in zones),
        },
        "Polygon",
    )
    report("supply-zones", 1, 1)

    report("network", 0, 3)
    water_m = shapely.union_all([z[2] for z in zs])
    report("water-users", 0, 1)
    users = build_users(towns, zones, scale, seed, water_m)  # the pipes are sized to their use
    net = build_network(
        zones,
        scale,
        seed,
        water_m,
        list(water.rivers_m.values()),
        _network_demand(users),
        Terrain(outline_m, water, seed).at,  # the terrain the elevation raster is drawn from
    )
    report("network", 1, 3)
    pipes_ll, nodes_ll = lonlat_lines(net)
    pipe_codes = _obj(f"P{i + 1:07d}" for i in range(len(pipes_ll)))
    node_codes = _obj(f"N{i + 1:07d}" for i in range(len(nodes_ll)))
    # The planted duplicates (a pipe digitised twice) are not in the file: an import refuses
    # them as the editor does; demo.load copies them in as a direct PostGIS edit would.
    filed = np.ones(len(pipes_ll), dtype=bool)
    filed[[g[1] for g in net.problems["duplicates"]]] = False
    counts["pipes.gpkg"] = write_gpkg(
        out_dir / "pipes.gpkg",
        np.asarray(pipes_ll, dtype=object)[filed],
        {
            "code": pipe_codes[filed],
            "diameter_mm": net.diameter_mm.astype(np.int32)[filed],
            "material": net.material[filed],
            "install_year": net.install_year.astype(np.int32)[filed],
            "status": net.status[filed],
        },
        "LineString",
    )
    counts["pipe-nodes.gpkg"] = write_gpkg(
        out_dir / "pipe-nodes.gpkg", nodes_ll, {"code": node_codes, "kind": net.node_kind}, "Point"
    )
    report("network", 2, 3)
    pipe_km = _pipe_km(pipes_ll, net, zones)
    report("network", 3, 3)

    report("sewage-plants", 0, 1)
    points = plant_points(towns, seed, water_m, [(z[0], z[2]) for z in zs])
    counts["sewage-plants.gpkg"] = write_gpkg(
        out_dir / "sewage-plants.gpkg",
        points,
        {
            "code": _obj(p.code for p in PLANTS),
            "name": _obj(p.name for p in PLANTS),
            "design_capacity_m3d": np.array([p.capacity_m3d for p in PLANTS], dtype=float),
            "effluent_grade": _obj(p.grade for p in PLANTS),
            "built_on": _obj(p.built_on for p in PLANTS),
            "status": _obj(p.status for p in PLANTS),
        },
        "Point",
    )
    receiving = _receiving(points, zs)
    report("sewage-plants", 1, 1)

    report("records", 0, 4)
    quality = list(quality_rows([z[0] for z in zs], seed))
    counts["water-quality-samples.csv"] = write_csv(
        out_dir / "water-quality-samples.csv", QUALITY_HEADER, quality
    )
    report("records", 1, 4)
    balance = balance_rows(pipe_km, seed)
    counts["water-balance.csv"] = write_csv(out_dir / "water-balance.csv", BALANCE_HEADER, balance)
    report("records", 2, 4)
    plant_months = list(plant_month_rows(seed))
    counts["sewage-plant-months.csv"] = write_csv(
        out_dir / "sewage-plant-months.csv", PLANT_MONTH_HEADER, plant_months
    )
    report("records", 3, 4)
    irrigation = irrigation_rows({d[0].code: d[3] for d in ds}, seed)
    counts["irrigation-records.csv"] = write_csv(
        out_dir / "irrigation-records.csv", IRRIGATION_HEADER, irrigation
    )
    report("records", 4, 4)

    report("water-users", 1, 1)
    billed = {
        code: tuple(float(r[3]) for r in balance if r[0] == code) for code in pipe_km
    }  # billed authorised consumption per zone and year: what the zone's users consume
    targets = user_targets(users.sector, users.source, users.town, billed)
    use = write_consumption(out_dir / "consumption.csv", users, seed, report, targets)
    counts["consumption.csv"] = use["rows"]
    assign_plans(users, use["annual"], use["peak"], seed)
    carrier, carrier_year = assign_carriers(users, seed)
    counts["water-users.gpkg"] = write_gpkg(
        out_dir / "water-users.gpkg",
        shapely.points(users.lonlat),
        {
            "code": users.code,
            "name": users.name,
            "sector": users.sector,
            "source": users.source,
            "annual_plan_m3": users.plan.astype(float),
        },
        "Point",
    )

    report("leak-records", 0, 1)
    leaks = leak_rows(net.seg_zone, net.status == "in_service", pipe_codes, balance, seed)
    counts["leak-records.csv"] = write_csv(out_dir / "leak-records.csv", LEAK_HEADER, leaks)
    report("leak-records", 1, 1)

    report("registers", 0, 1)
    permits = registers.permit_rows(users, use["annual"], seed)
    rain = registers.nonconventional_rows(users, seed)
    for name, header, rows in (
        ("policy-documents", registers.POLICY_HEADER, registers.policy_rows()),
        ("tariff-bands", registers.BAND_HEADER, registers.band_rows()),
        (
            "agricultural-price-reform",
            registers.REFORM_HEADER,
            registers.reform_rows({d[0].code: float(d[3]) for d in water.districts}),
        ),
        ("water-quotas", registers.QUOTA_TABLE_HEADER, registers.quota_table_rows()),
        ("district-quotas", registers.DISTRICT_QUOTA_HEADER, registers.district_quota_rows()),
        ("quota-checks", registers.QUOTA_HEADER, registers.quota_rows(users, use["annual"], seed)),
        ("construction-projects", registers.PROJECT_HEADER, registers.project_rows()),
        ("appliance-surveys", registers.SURVEY_HEADER, registers.survey_rows(seed)),
        ("publicity-events", registers.EVENT_HEADER, registers.event_rows()),
        ("user-associations", registers.ASSOCIATION_HEADER, registers.association_rows()),
        ("withdrawal-permits", registers.PERMIT_HEADER, permits),
        (
            "carrier-recognitions",
            registers.CARRIER_HEADER,
            registers.carrier_rows(users, carrier, carrier_year, seed),
        ),
        (
            "resource-levies",
            registers.LEVY_HEADER,
            registers.levy_rows(users, use["annual"], permits, seed),
        ),
        ("nonconventional-uses", registers.NONCONVENTIONAL_HEADER, rain),
        ("key-users", registers.KEY_USER_HEADER, registers.key_user_rows()),
    ):
        counts[f"{name}.csv"] = write_csv(out_dir / f"{name}.csv", header, rows)
    report("registers", 1, 1)

    report("area-stats", 0, 1)
    county = {
        year: abstractions(
            k=k,
            irrigation_gross=sum(float(r[2]) for r in irrigation if int(r[1]) == year),
            annual=use["annual"],
            sector=users.sector,
            source=users.source,
            system_input=sum(float(r[2]) for r in balance if int(r[1]) == year),
            # non-conventional: the plants' reclaimed water and the users' harvested rain
            reclaimed=sum(float(r[10]) for r in plant_months if r[1].startswith(str(year)))
            + sum(float(r[3]) for r in rain if int(r[1]) == year),
            seed=seed,
        )
        for k, year in enumerate(YEARS)
    }
    county[BASE_YEAR] = base_year_row(county[YEARS[0]])
    town_use = np.zeros((len(towns), len(YEARS)))  # the users a town cap covers (no farms)
    capped = users.sector != "agriculture"
    np.add.at(town_use, users.town[capped], use["annual"][capped])
    caps = water_use_caps(town_use, seed)
    caps[COUNTY_CODE] = county_caps([total_use(county[y]) for y in YEARS])
    stats = area_stats_rows(caps, county, economy(county))
    counts["area-stats.csv"] = write_csv(out_dir / "area-stats.csv", AREA_STATS_HEADER, stats)
    declines = intensity_story(_stats_by_year(stats))
    report("area-stats", 1, 1)

    report("manifest", 0, 1)
    manifest = build_manifest(
        seed=seed,
        scale=scale,
        counts=counts,
        zs=zs,
        quality=quality,
        balance=balance,
        pipe_km=pipe_km,
        plant_months=plant_months,
        irrigation=irrigation,
        users=users,
        annual=use["annual"],
        peak=use["peak"],
        town_use=town_use,
        caps=caps,
        county=county,
        declines=declines,
        leaks=leaks,
        receiving=receiving,
        permits=permits,
        net=net,
        pipe_codes=pipe_codes,
        node_codes=node_codes,
    )
    manifest["rasters"] = rasters
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    report("manifest", 1, 1)
    return manifest


def _receiving(points: list, zs: list) -> list[tuple[str | None, int | None, str | None]]:
    """Each plant's receiving water: the nearest water-function zone within the search radius
    (metres, EPSG:4546), as (code, target class, water body), or Nones."""
    zone_geoms = [z[2] for z in zs]
    out: list[tuple[str | None, int | None, str | None]] = []
    for p in to_metric(np.array(points, dtype=object)):
        dist = shapely.distance(p, zone_geoms)
        i = int(np.argmin(dist))
        near = dist[i] <= checks.RECEIVING_RADIUS_M
        spec = zs[i][0]
        out.append((spec.code, spec.target_class, spec.water_body) if near else (None, None, None))
    return out


def _stats_by_year(rows: list[list[str]]) -> dict[int, dict[str, float]]:
    """The county's area-stats rows by year, as numbers (empty cells left out)."""
    out = {}
    for row in rows:
        if row[0] == COUNTY_CODE:
            cells = zip(AREA_STATS_HEADER[2:], row[2:], strict=True)
            out[int(row[1])] = {k: float(v) for k, v in cells if v != ""}
    return out


def _obj(values: Iterable[object]) -> np.ndarray:
    """An object array (strings for pyogrio)."""
    return np.array(list(values), dtype=object)


def _network_demand(users) -> Demand:
    """The public-network users' places (metres) and latest-year use (m3; the designed users'
    own figures), and each zone's demand: its system input of the last year (L/s)."""
    public = users.source == "public_network"
    weight = users.base * (1 + users.growth) ** (len(YEARS) - 1)
    designed = np.arange(len(weight)) < len(SPECIAL_USERS)
    weight[designed] = [s.annual[-1] for s in SPECIAL_USERS]
    last = len(YEARS) - 1
    zone_lps = np.array([z.system_input_m3 * (1 + 0.025 * last) / 365 / 86.4 for z in SUPPLY_ZONES])
    return Demand(lonlat_to_xy(users.lonlat[public]), weight[public], zone_lps)


def _pipe_km(pipes_ll: np.ndarray, net: Network, zones: list[SupplyZone]) -> dict[str, float]:
    """In-service length >= DN75 (km) of the pipes inside each zone, measured in EPSG:4546.

    Every pipe is built inside its zone; a pipe found outside is a generator bug.
    """
    lengths = shapely.length(to_metric(pipes_ll))
    counted = (net.status == "in_service") & (net.diameter_mm >= 75)
    out = {}
    for zi, zone in enumerate(zones):
        mine = net.seg_zone == zi
        inside = shapely.within(pipes_ll[mine], zone.geom)
        if not inside.all():
            raise RuntimeError(f"{int((~inside).sum())} pipes leave supply zone {zone.code}")
        out[zone.code] = float(lengths[mine & counted].sum() / 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: generate into --out and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/demo"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)

    def show(step: str, done: int, total: int) -> None:
        if not args.quiet:
            print(
                f"\r{step:<14} {done:>8}/{total:<8}",
                end="\n" if done == total else "",
                file=sys.stderr,
                flush=True,
            )

    started = time.perf_counter()
    manifest = generate(args.out, seed=args.seed, scale=args.scale, progress=show)
    for name, count in manifest["counts"].items():
        print(f"{name:<28} {count:>10}")
    print(
        f"{len(manifest['failures'])} deliberate failures; "
        f"{time.perf_counter() - started:.1f} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
