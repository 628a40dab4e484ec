"""Tests of the synthetic demo-data generator (pure Python, no database).

Every deliberate failure listed in manifest.json is re-derived here from the written files with
small independent evaluators of DESIGN.md's rules, so a manifest cannot claim what the data
does not show.
"""

from __future__ import annotations

import calendar
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer

from demo.generator import STEPS, generate
from demo.pipe_sizing import DN_SERIES

SEED = 441882
SCALE = 0.1  # 2,000 pipes and 200 users: quick, and every designed feature is still there
YEARS = (2023, 2024, 2025)
ABSTRACTIONS = (
    "abstraction_surface_m3",
    "abstraction_groundwater_m3",
    "abstraction_public_supply_m3",
    "abstraction_nonconventional_m3",
)
BOUNDARY = Path(__file__).resolve().parents[2] / "data" / "lianzhou_boundary.geojson"
TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)

LAYER_FIELDS = {
    "towns": (["code", "name", "parent_code"], "MultiPolygon"),
    "roads": (["code", "name", "grade"], "LineString"),
    "water-function-zones": (["code", "name", "river", "water_body", "target_class"], "Polygon"),
    "irrigation-districts": (
        ["code", "name", "size", "effective_area_mu", "efficient_area_mu", "main_crop"],
        "Polygon",
    ),
    "supply-zones": (["code", "name", "company"], "Polygon"),
    "pipe-nodes": (["code", "kind"], "Point"),
    "pipes": (["code", "diameter_mm", "material", "install_year", "status"], "LineString"),
    "sewage-plants": (
        ["code", "name", "design_capacity_m3d", "effluent_grade", "built_on", "status"],
        "Point",
    ),
    "water-users": (
        ["code", "name", "sector", "source", "annual_plan_m3"],
        "Point",
    ),
}
CSV_HEADERS = {
    "area-stats": "area_code,year,population,gdp_10k_yuan,industrial_value_added_10k_yuan,"
    "water_use_cap_m3,abstraction_surface_m3,abstraction_groundwater_m3,"
    "abstraction_public_supply_m3,abstraction_nonconventional_m3,industrial_use_m3",
    "leak-records": "pipe_code,found_on,repaired_on,estimated_loss_m3,cause",
    "water-quality-samples": "zone_code,sampled_on,do,codmn,cod,bod5,nh3n,tp,tn",
    "water-balance": "zone_code,year,system_input_m3,billed_authorized_m3,"
    "unbilled_authorized_m3,household_metered_residential_m3,"
    "mean_outlet_pressure_mpa,max_frost_depth_m",
    "sewage-plant-months": "plant_code,month,treated_m3,cod,bod5,ss,nh3n,tn,tp,water_temp_c,"
    "reclaimed_m3",
    "irrigation-records": "district_code,year,gross_withdrawal_m3,net_field_m3,"
    "irrigated_area_mu,metered_withdrawal_m3",
    "consumption": "user_code,month,volume_m3,metered",
}

# Independent copies of DESIGN.md's tables (GB 3838-2002, GB 18918-2002).
GB3838 = {
    "do": (7.5, 6, 5, 3, 2),
    "codmn": (2, 4, 6, 10, 15),
    "cod": (15, 15, 20, 30, 40),
    "bod5": (3, 3, 4, 6, 10),
    "nh3n": (0.15, 0.5, 1.0, 1.5, 2.0),
    "tp_river": (0.02, 0.1, 0.2, 0.3, 0.4),
    "tp_lake": (0.01, 0.025, 0.05, 0.1, 0.2),
    "tn": (0.2, 0.5, 1.0, 1.5, 2.0),
}
GB18918 = {  # cod, bod5, ss, tn, nh3n (normal, cold), tp (built >= 2006, before)
    "1A": (50, 10, 10, 15, (5, 8), (0.5, 1)),
    "1B": (60, 20, 20, 20, (8, 15), (1, 1.5)),
    "2": (100, 30, 30, None, (25, 30), (3, 3)),
}


# --- helpers -----------------------------------------------------------------------------------
def read_layer(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray], dict]:
    meta, _, wkb, data = pyogrio.raw.read(path)
    return shapely.from_wkb(wkb), dict(zip(meta["fields"], data, strict=True)), meta


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def metric(geoms):
    return shapely.transform(geoms, lambda xy: np.column_stack(TO_METRIC.transform(*xy.T)))


def outline():
    return shapely.from_geojson(BOUNDARY.read_text(encoding="utf-8")).geoms[0]


def failing(manifest: dict, rule: str) -> list[dict]:
    found = [f for f in manifest["failures"] if f["rule"] == rule]
    assert found, f"manifest lists no failure for {rule}"
    return found


def listed(manifest: dict, rule: str) -> set[tuple[str, int]]:
    """(code, year) of the manifest's failures of one rule (never empty)."""
    return {(f["code"], f["year"]) for f in failing(manifest, rule)}


def feature_content(path: Path) -> tuple:
    geoms, fields, _ = read_layer(path)

    def cells(values) -> tuple:  # NaN (NULL) != NaN, so compare it as None
        return tuple(
            None if isinstance(v, float) and np.isnan(v) else v for v in np.asarray(values).tolist()
        )

    return tuple(shapely.to_wkb(geoms)), tuple((k, cells(v)) for k, v in fields.items())


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict, list]:
    out = tmp_path_factory.mktemp("demo")
    steps: list[tuple[str, int, int]] = []
    manifest = generate(
        out,
        seed=SEED,
        scale=SCALE,
        progress=lambda step, done, total: steps.append((step, done, total)),
    )
    return out, manifest, steps


@pytest.fixture(scope="module")
def out(demo) -> Path:
    return demo[0]


@pytest.fixture(scope="module")
def manifest(demo) -> dict:
    return demo[1]


# --- tests ---------------------------------------------------------------------------------------
class DeterminismTests:
    def test_same_seed_gives_same_files(self, out, tmp_path):
        again = tmp_path / "again"
        generate(again, seed=SEED, scale=SCALE)
        for name in CSV_HEADERS:
            assert (out / f"{name}.csv").read_bytes() == (again / f"{name}.csv").read_bytes(), name
        for name in LAYER_FIELDS:
            assert feature_content(out / f"{name}.gpkg") == feature_content(
                again / f"{name}.gpkg"
            ), name
        assert (out / "manifest.json").read_bytes() == (again / "manifest.json").read_bytes()

    def test_other_seed_gives_other_data(self, out, tmp_path):
        generate(tmp_path / "other", seed=SEED + 1, scale=SCALE)
        for name in ("water-quality-samples.csv", "consumption.csv"):
            assert (out / name).read_bytes() != (tmp_path / "other" / name).read_bytes()


class CountTests:
    def test_scale_one_counts(self, tmp_path):
        manifest = generate(tmp_path, seed=SEED, scale=1.0)
        counts = manifest["counts"]
        assert 18_000 <= counts["pipes.gpkg"] <= 22_000
        assert counts["water-users.gpkg"] == 2_000
        assert counts["consumption.csv"] == 2_000 * 36
        assert counts["towns.gpkg"] == 12
        assert 10 <= counts["water-function-zones.gpkg"] <= 12
        assert 4 <= counts["irrigation-districts.gpkg"] <= 6
        assert counts["sewage-plants.gpkg"] >= 8
        _, fields, _ = read_layer(tmp_path / "pipes.gpkg")
        assert len(fields["code"]) == counts["pipes.gpkg"]
        # CJJ 92-2016: A = km of pipe >= DN75 / system input in 10^4 m3 stays where R2 = 99 (A -
        # 0.0693) is inside its +-3 clamp, so a pipe edit moves every zone's leakage value.
        for zone, years in manifest["zones"].items():
            for year, z in years.items():
                assert 0.0390 < z["a_km_per_10k_m3"] < 0.0996, (zone, year)

    def test_manifest_counts_match_files(self, out, manifest):
        for name, count in manifest["counts"].items():
            path = out / name
            if name.endswith(".gpkg"):
                assert len(read_layer(path)[1]["code"]) == count, name
            else:
                assert len(read_csv(path)) == count, name
        assert manifest["counts"]["water-users.gpkg"] == 200
        assert manifest["seed"] == SEED and manifest["scale"] == SCALE
        assert manifest["years"] == list(YEARS)
        assert "synthetic" in manifest["source"]

    def test_manifest_file_on_disk(self, out, manifest):
        assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == json.loads(
            json.dumps(manifest)
        )

    def test_every_rule_has_a_failure_and_a_compliant_example(self, manifest):
        rules = {
            "wfz.quality",
            "supply.leakage",
            "sewage.load",
            "sewage.effluent",
            "town.sewage_plant",
            "irrigation.coefficient",
            "irrigation.quota",
            "irrigation.metering",
            "user.over_plan",
            "user.planned_use",
            "town.water_use_cap",
            "sewage.receiving_grade",
            "sewage.reclaimed",
            "user.withdrawal_permit",
        }
        assert {f["rule"] for f in manifest["failures"]} == rules
        assert set(manifest["failing_examples"]) == rules
        assert set(manifest["compliant_examples"]) == rules
        for f in manifest["failures"]:
            assert set(f) == {"rule", "code", "year", "why"}
            assert manifest["compliant_examples"][f["rule"]] != f["code"]
        found = {(f["rule"], f["code"]) for f in manifest["failures"]}
        assert set(manifest["failing_examples"].items()) <= found

    def test_progress_reports_every_step_to_completion(self, demo):
        steps = demo[2]
        finished = {s for s, done, total in steps if done == total}
        assert finished == set(STEPS)
        assert all(0 <= done <= total for _, done, total in steps)


class SchemaTests:
    def test_layers_have_exact_fields_type_crs_and_name(self, out):
        for name, (fields, geom_type) in LAYER_FIELDS.items():
            path = out / f"{name}.gpkg"
            assert [row[0] for row in pyogrio.list_layers(path)] == [name]
            _, _, meta = read_layer(path)
            assert list(meta["fields"]) == fields, name
            assert meta["geometry_type"] == geom_type, name
            assert meta["crs"] == "EPSG:4326", name

    def test_csv_headers_and_line_ends(self, out):
        for name, header in CSV_HEADERS.items():
            raw = (out / f"{name}.csv").read_bytes()
            assert b"\r" not in raw, name
            assert raw.decode("utf-8").split("\n", 1)[0] == header, name

    def test_codes_and_domains(self, out):
        _, towns, _ = read_layer(out / "towns.gpkg")
        assert sorted(towns["name"]) == sorted(
            [
                "连州镇",
                "星子镇",
                "大路边镇",
                "龙坪镇",
                "西岸镇",
                "保安镇",
                "丰阳镇",
                "东陂镇",
                "九陂镇",
                "西江镇",
                "瑶安瑶族乡",
                "三水瑶族乡",
            ]
        )
        assert all(len(c) == 9 and c.startswith("441882") for c in towns["code"])
        for code, name in zip(towns["code"], towns["name"], strict=True):  # 乡 2xx, 镇 1xx
            assert code[6] == ("2" if name.endswith("乡") else "1"), (code, name)
        assert set(towns["parent_code"]) == {"441882"}
        _, pipes, _ = read_layer(out / "pipes.gpkg")
        assert set(pipes["diameter_mm"]) <= set(DN_SERIES)  # sized to their flow
        assert set(pipes["material"]) <= {
            "PE",
            "PVC",
            "ductile_iron",
            "steel",
            "cast_iron",
            "concrete",
        }
        assert pipes["install_year"].min() >= 1985 and pipes["install_year"].max() <= 2025
        status = Counter(pipes["status"])
        assert set(status) <= {"in_service", "abandoned", "planned"}
        assert status["in_service"] > 0.9 * len(pipes["status"])
        _, nodes, _ = read_layer(out / "pipe-nodes.gpkg")
        assert set(nodes["kind"]) == {
            "junction",
            "valve",
            "hydrant",
            "meter",
            "source",
            "plant",
            "end_cap",
        }
        _, wfz, _ = read_layer(out / "water-function-zones.gpkg")
        assert set(wfz["water_body"]) == {"river", "lake"}
        assert {"连江", "星子河", "保安河", "东陂河", "三江河"} <= set(wfz["river"])
        assert set(wfz["target_class"]) <= {1, 2, 3, 4, 5}
        _, users, _ = read_layer(out / "water-users.gpkg")
        assert set(users["sector"]) == {
            "agriculture",
            "industry",
            "services",
            "public_institution",
            "residential",
            "ecological",
        }
        assert set(users["source"]) == {"public_network", "surface", "groundwater"}
        assert np.isnan(users["annual_plan_m3"]).any()  # NULL = no plan
        _, plants, _ = read_layer(out / "sewage-plants.gpkg")
        assert set(plants["effluent_grade"]) <= {"1A", "1B", "2"}
        assert all(len(d) == 10 and d[4] == d[7] == "-" for d in plants["built_on"])


class GeometryTests:
    def test_all_geometries_valid_and_inside_county(self, out):
        county = outline()
        shapely.prepare(county)
        for name in LAYER_FIELDS:
            geoms, _, _ = read_layer(out / f"{name}.gpkg")
            assert shapely.is_valid(geoms).all(), name
            if name == "towns":
                continue  # they share the outline's edge: tested as a partition below
            assert shapely.within(geoms, county).all(), name

    def test_towns_partition_the_outline(self, out):
        county = outline()
        towns, _, _ = read_layer(out / "towns.gpkg")
        area = metric(county).area
        union = shapely.union_all(towns)
        assert metric(union.symmetric_difference(county)).area < 1e-6 * area
        total = sum(metric(t).area for t in towns)
        assert abs(total - area) < 1e-6 * area  # no overlaps
        for town in towns:
            assert len(town.geoms) == 1  # one piece each: no slivers or exclaves
            assert metric(town).area > 50e6  # every town is a real share (> 50 km²)

    def test_pipes_are_short_simple_and_inside_supply_zones(self, out):
        pipes, _, _ = read_layer(out / "pipes.gpkg")
        zones, _, _ = read_layer(out / "supply-zones.gpkg")
        vertices = shapely.get_num_coordinates(pipes)
        assert vertices.min() >= 2 and vertices.max() <= 4
        lengths = shapely.length(metric(pipes))
        assert lengths.min() >= 20 and lengths.max() <= 200
        assert shapely.is_simple(pipes).all()
        assert shapely.within(pipes, shapely.union_all(zones)).all()

    def test_users_mostly_in_towns_built_up_parts(self, out):
        users, fields, _ = read_layer(out / "water-users.gpkg")
        zones, _, _ = read_layer(out / "supply-zones.gpkg")
        in_zone = shapely.within(users, shapely.union_all(zones))
        assert in_zone[fields["source"] == "public_network"].all()
        assert in_zone.mean() > 0.5


@pytest.fixture(scope="module")
def net(out) -> dict:
    """Pipes and nodes, with each pipe's end coordinates and a coordinate -> node index map."""
    pipes, pf, _ = read_layer(out / "pipes.gpkg")
    nodes, nf, _ = read_layer(out / "pipe-nodes.gpkg")
    node_at = {xy: i for i, xy in enumerate(map(tuple, shapely.get_coordinates(nodes)))}
    starts = shapely.get_coordinates(shapely.get_point(pipes, 0))
    ends = shapely.get_coordinates(shapely.get_point(pipes, -1))
    return {
        "pipes": pipes,
        "pf": pf,
        "nodes": nodes,
        "nf": nf,
        "node_at": node_at,
        "ends": [(tuple(a), tuple(b)) for a, b in zip(starts, ends, strict=True)],
    }


class NetworkTopologyTests:
    def test_every_pipe_end_is_exactly_a_node(self, net):
        for a, b in net["ends"]:
            assert a in net["node_at"] and b in net["node_at"]

    def test_one_source_per_supply_zone(self, out, net):
        zones, zf, _ = read_layer(out / "supply-zones.gpkg")
        sources = net["nodes"][net["nf"]["kind"] == "source"]
        for zone in zones:
            assert shapely.within(sources, zone).sum() == 1

    def test_dangling_ends_and_orphans_are_exactly_the_listed_ones(self, net, manifest):
        degree = Counter()
        for a, b in net["ends"]:
            degree[net["node_at"][a]] += 1
            degree[net["node_at"][b]] += 1
        codes, kinds = net["nf"]["code"], net["nf"]["kind"]
        dangling = {
            codes[i] for i, d in degree.items() if d == 1 and kinds[i] not in ("end_cap", "source")
        }
        orphans = {codes[i] for i in range(len(codes)) if degree[i] == 0}
        problems = manifest["network_problems"]
        assert dangling == set(problems["dangling_ends"]) and len(dangling) >= 2
        assert orphans == set(problems["orphan_nodes"]) and len(orphans) >= 2
        end_caps = {codes[i] for i in range(len(codes)) if kinds[i] == "end_cap"}
        assert all(
            degree[net["node_at"][tuple(shapely.get_coordinates(n)[0])]] == 1
            for n, c in zip(net["nodes"], codes, strict=True)
            if c in end_caps
        )

    def test_pipes_meet_only_at_shared_nodes_except_listed_pairs(self, net, manifest):
        pipes, codes = net["pipes"], net["pf"]["code"]
        a, b = shapely.STRtree(pipes).query(pipes, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        bad = set()
        for i, j, inter in zip(a, b, shapely.intersection(pipes[a], pipes[b]), strict=True):
            shared = set(net["ends"][i]) & set(net["ends"][j])
            touch = set(map(tuple, shapely.get_coordinates(inter)))
            if inter.geom_type not in ("Point", "MultiPoint") or not touch <= shared:
                bad.add(frozenset((codes[i], codes[j])))
        problems = manifest["network_problems"]
        listed = {frozenset(p) for p in problems["crossings_without_node"]}
        assert bad == listed
        by_code = dict(zip(codes, pipes, strict=True))
        # The planted duplicates are not in the file (an import refuses them, as the editor
        # does): demo.load copies their originals straight into PostGIS.
        assert problems["duplicate_segments"]
        for x, y in problems["duplicate_segments"]:
            assert x in by_code and y not in by_code
        for x, y in problems["crossings_without_node"]:
            assert shapely.crosses(by_code[x], by_code[y])

    def test_disconnected_part_has_no_source_and_no_link(self, net, manifest):
        parts = manifest["network_problems"]["disconnected_parts"]
        assert parts and all(len(p) >= 3 for p in parts)
        index = {c: i for i, c in enumerate(net["pf"]["code"])}
        for part in parts:
            members = {index[c] for c in part}
            part_nodes = {net["node_at"][xy] for i in members for xy in net["ends"][i]}
            for i, (a, b) in enumerate(net["ends"]):
                if i not in members:
                    assert net["node_at"][a] not in part_nodes
                    assert net["node_at"][b] not in part_nodes
            assert "source" not in {net["nf"]["kind"][n] for n in part_nodes}


class WaterQualityTests:
    @staticmethod
    def sample_class(row: dict, lake: bool) -> int:
        worst = 1
        for p in ("do", "codmn", "cod", "bod5", "nh3n", "tp", "tn"):
            if row[p] == "" or (p == "tn" and not lake):
                continue
            v = float(row[p])
            limits = GB3838["tp_lake" if lake else "tp_river"] if p == "tp" else GB3838[p]
            meets = [v >= lim if p == "do" else v <= lim for lim in limits]
            worst = max(worst, meets.index(True) + 1 if True in meets else 6)
        return worst

    def frequency(self, out) -> dict[tuple[str, int], float]:
        _, zones, _ = read_layer(out / "water-function-zones.gpkg")
        meta = {
            c: (b == "lake", t)
            for c, b, t in zip(
                zones["code"], zones["water_body"], zones["target_class"], strict=True
            )
        }
        counts: dict = defaultdict(lambda: [0, 0])
        for row in read_csv(out / "water-quality-samples.csv"):
            lake, target = meta[row["zone_code"]]
            key = (row["zone_code"], int(row["sampled_on"][:4]))
            counts[key][0] += 1
            counts[key][1] += self.sample_class(row, lake) <= target
        return {k: ok / n for k, (n, ok) in counts.items()}

    def test_listed_zones_are_exactly_those_below_target(self, out, manifest):
        freq = self.frequency(out)
        assert {k for k, v in freq.items() if v < 0.8} == listed(manifest, "wfz.quality")

    def test_most_zones_comply_every_year(self, out):
        freq = self.frequency(out)
        for year in YEARS:
            shares = [v for (_, y), v in freq.items() if y == year]
            assert sum(v >= 0.8 for v in shares) >= 0.75 * len(shares)

    def test_monthly_samples_with_gaps(self, out):
        rows = read_csv(out / "water-quality-samples.csv")
        per_zone = Counter(r["zone_code"] for r in rows)
        assert max(per_zone.values()) == 36
        assert any(r["bod5"] == "" for r in rows)
        _, zones, _ = read_layer(out / "water-function-zones.gpkg")
        lakes = set(zones["code"][zones["water_body"] == "lake"])
        lake_tn = [r["tn"] != "" for r in rows if r["zone_code"] in lakes]
        river_tn = [r["tn"] != "" for r in rows if r["zone_code"] not in lakes]
        assert np.mean(lake_tn) > 0.8 and np.mean(river_tn) < 0.3  # TN mostly on lakes


class LeakageTests:
    def r_bl(self, out) -> dict[tuple[str, int], float]:
        zones, zf, _ = read_layer(out / "supply-zones.gpkg")
        pipes, pf, _ = read_layer(out / "pipes.gpkg")
        counted = (pf["status"] == "in_service") & (pf["diameter_mm"] >= 75)
        lengths = shapely.length(metric(pipes))
        km = {
            c: lengths[counted & shapely.within(pipes, z)].sum() / 1000
            for c, z in zip(zf["code"], zones, strict=True)
        }
        result = {}
        for row in read_csv(out / "water-balance.csv"):
            qs = float(row["system_input_m3"])
            qa = float(row["billed_authorized_m3"]) + float(row["unbilled_authorized_m3"])
            r_wl = (qs - qa) / qs * 100
            r1 = 8 * float(row["household_metered_residential_m3"]) / qs
            r2 = min(3.0, max(-3.0, 99 * (km[row["zone_code"]] / (qs / 1e4) - 0.0693)))
            p = float(row["mean_outlet_pressure_mpa"])
            r3 = 0 if p <= 0.35 else 0.5 if p <= 0.55 else 1 if p <= 0.75 else 2
            r4 = 1 if float(row["max_frost_depth_m"]) > 1.4 else 0
            result[(row["zone_code"], int(row["year"]))] = r_wl - (r1 + r2 + r3 + r4)
        return result

    def test_failing_and_first_grade_zones(self, out, manifest):
        r_bl = self.r_bl(out)
        assert {k for k, v in r_bl.items() if v > 10} == listed(manifest, "supply.leakage")  # 一级
        example = manifest["compliant_examples"]["supply.leakage"]
        assert all(r_bl[(example, y)] <= 10 for y in YEARS)  # 一级
        for (code, year), value in r_bl.items():
            assert manifest["leakage"][code][str(year)] == pytest.approx(value, abs=1e-3)

    def test_frost_depth_is_lianzhou_like(self, out):
        assert all(
            0 <= float(r["max_frost_depth_m"]) <= 0.1 for r in read_csv(out / "water-balance.csv")
        )


class SewagePlantTests:
    def test_under_loaded_plant(self, out, manifest):
        _, plants, _ = read_layer(out / "sewage-plants.gpkg")
        capacity = dict(zip(plants["code"], plants["design_capacity_m3d"], strict=True))
        treated, days = defaultdict(float), defaultdict(int)
        for row in read_csv(out / "sewage-plant-months.csv"):
            key = (row["plant_code"], int(row["month"][:4]))
            treated[key] += float(row["treated_m3"])
            days[key] += calendar.monthrange(key[1], int(row["month"][5:]))[1]
        load = {k: treated[k] / days[k] / capacity[k[0]] for k in treated}
        assert {k for k, v in load.items() if v < 0.6} == listed(manifest, "sewage.load")

    def test_plant_month_over_its_grade(self, out, manifest):
        _, plants, _ = read_layer(out / "sewage-plants.gpkg")
        info = {
            c: (g, b)
            for c, g, b in zip(
                plants["code"], plants["effluent_grade"], plants["built_on"], strict=True
            )
        }
        bad_years = set()
        for row in read_csv(out / "sewage-plant-months.csv"):
            grade, built = info[row["plant_code"]]
            cod, bod5, ss, tn, nh3n, tp = GB18918[grade]
            cold = row["water_temp_c"] != "" and float(row["water_temp_c"]) <= 12
            limits = {
                "cod": cod,
                "bod5": bod5,
                "ss": ss,
                "tn": tn,
                "nh3n": nh3n[int(cold)],
                "tp": tp[0 if built >= "2006-01-01" else 1],
            }
            if any(
                row[p] != "" and lim is not None and float(row[p]) > lim
                for p, lim in limits.items()
            ):
                bad_years.add((row["plant_code"], int(row["month"][:4])))
        listed = {(f["code"], f["year"]) for f in failing(manifest, "sewage.effluent")}
        assert bad_years == listed

    def test_towns_without_an_operating_plant(self, out, manifest):
        towns, tf, _ = read_layer(out / "towns.gpkg")
        plants, pf, _ = read_layer(out / "sewage-plants.gpkg")
        operating = plants[pf["status"] == "operating"]
        uncovered = {
            c
            for c, t in zip(tf["code"], towns, strict=True)
            if not shapely.within(operating, t).any()
        }
        assert len(uncovered) >= 2
        assert uncovered == {f["code"] for f in failing(manifest, "town.sewage_plant")}
        assert len(pf["code"]) >= 8

    def test_some_winter_months_are_cold(self, out):
        temps = [float(r["water_temp_c"]) for r in read_csv(out / "sewage-plant-months.csv")]
        assert min(temps) <= 12


@pytest.fixture(scope="module")
def records(out) -> dict[tuple[str, int], dict[str, float]]:
    """Irrigation records keyed by (district, year)."""
    return {
        (r["district_code"], int(r["year"])): {
            k: float(v) for k, v in r.items() if k not in ("district_code", "year")
        }
        for r in read_csv(out / "irrigation-records.csv")
    }


class IrrigationTests:
    def test_low_coefficient(self, records, manifest):
        low = {
            k for k, r in records.items() if r["net_field_m3"] / r["gross_withdrawal_m3"] < 0.535
        }
        assert low == listed(manifest, "irrigation.coefficient")

    def test_metering_gap(self, records, manifest):
        share = {
            k: r["metered_withdrawal_m3"] / r["gross_withdrawal_m3"] for k, r in records.items()
        }
        gap = {k for k, v in share.items() if v < 0.9}
        assert gap == listed(manifest, "irrigation.metering")
        assert len({code for code, _ in gap}) == 1  # one district with a metering gap
        assert all(0.85 <= v < 1 for v in share.values())  # nobody meters every drop

    def test_use_per_mu_well_above_rice_quota(self, out, records, manifest):
        _, df, _ = read_layer(out / "irrigation-districts.gpkg")
        crop = dict(zip(df["code"], df["main_crop"], strict=True))
        per_mu = {k: r["gross_withdrawal_m3"] / r["irrigated_area_mu"] for k, r in records.items()}
        over = {k for k, v in per_mu.items() if crop[k[0]] == "rice" and v > 600}
        assert over == listed(manifest, "irrigation.quota")
        assert all(per_mu[k] > 1.2 * 600 for k in over)  # well above, not borderline


@pytest.fixture(scope="module")
def use(out) -> tuple[dict, dict]:
    """(annual m3, peak monthly m3) keyed by (user, year), summed from consumption.csv."""
    annual: dict = defaultdict(float)
    peak: dict = defaultdict(float)
    for row in read_csv(out / "consumption.csv"):
        key, v = (row["user_code"], int(row["month"][:4])), float(row["volume_m3"])
        annual[key] += v
        peak[key] = max(peak[key], v)
    return annual, peak


class WaterUserTests:
    def test_every_user_has_36_months(self, out):
        rows = read_csv(out / "consumption.csv")
        months = Counter(r["user_code"] for r in rows)
        assert set(months.values()) == {36}
        assert {r["metered"] for r in rows} == {"true", "false"}

    def test_over_plan_by_more_than_40_percent(self, out, use, manifest):
        _, uf, _ = read_layer(out / "water-users.gpkg")
        plan = dict(zip(uf["code"], uf["annual_plan_m3"], strict=True))
        over = {k: v / plan[k[0]] - 1 for k, v in use[0].items() if v > plan[k[0]]}
        assert set(over) == listed(manifest, "user.over_plan")  # NaN (no plan) never compares
        assert max(over.values()) > 0.4  # beyond the last surcharge tier

    def test_unplanned_user_over_10000_in_a_month(self, out, use, manifest):
        _, uf, _ = read_layer(out / "water-users.gpkg")
        exempt_or_planned = {
            c
            for c, s, p in zip(uf["code"], uf["sector"], uf["annual_plan_m3"], strict=True)
            if s == "residential" or not np.isnan(p)
        }
        unplanned = {k for k, v in use[1].items() if v > 10_000 and k[0] not in exempt_or_planned}
        assert {c for c, _ in unplanned} == {c for c, _ in listed(manifest, "user.planned_use")}
        assert listed(manifest, "user.planned_use") <= unplanned

    def test_key_monitored_users(self, use, manifest):
        key = {code for (code, _), v in use[0].items() if v >= 500_000}
        assert len(key) >= 2
        assert key == set(manifest["key_users"])


class CapTests:
    def test_town_over_its_cap(self, out, manifest):
        """A town cap covers the users inside the town except farms (sector agriculture)."""
        towns, tf, _ = read_layer(out / "towns.gpkg")
        users, uf, _ = read_layer(out / "water-users.gpkg")
        town_of = {}
        for code, town in zip(tf["code"], towns, strict=True):
            for u in uf["code"][shapely.within(users, town)]:
                town_of[u] = code
        farm = {c for c, s in zip(uf["code"], uf["sector"], strict=True) if s == "agriculture"}
        total: dict = defaultdict(float)
        for row in read_csv(out / "consumption.csv"):
            if row["user_code"] not in farm:
                key = (town_of[row["user_code"]], int(row["month"][:4]))
                total[key] += float(row["volume_m3"])
        caps = {
            (r["area_code"], int(r["year"])): float(r["water_use_cap_m3"])
            for r in read_csv(out / "area-stats.csv")
            if r["water_use_cap_m3"]
        }
        over = {k for k, cap in caps.items() if k[0] != "441882" and total[k] > cap}
        assert over == listed(manifest, "town.water_use_cap")

    def test_county_total_use_against_its_cap(self, out, manifest):
        """Total use = Σ abstractions by source; within the cap in 2023 and 2025, over in 2024."""
        rows = {
            int(r["year"]): r
            for r in read_csv(out / "area-stats.csv")
            if r["area_code"] == "441882"
        }
        for year in YEARS:
            r = rows[year]
            total = sum(float(r[c]) for c in ABSTRACTIONS)
            assert (total <= float(r["water_use_cap_m3"])) == (year != 2024), year
            assert manifest["county"][str(year)]["total_use_m3"] == pytest.approx(total)

    def test_area_stats_rows(self, out):
        rows = read_csv(out / "area-stats.csv")
        assert len(rows) == 1 + 13 * 3  # the county's base year, then county and towns
        assert [r["year"] for r in rows if r["area_code"] == "441882"] == ["2020", *map(str, YEARS)]
        for year in YEARS:
            county = next(r for r in rows if r["area_code"] == "441882" and r["year"] == str(year))
            towns = [r for r in rows if r["area_code"] != "441882" and r["year"] == str(year)]
            assert sum(int(r["population"]) for r in towns) == int(county["population"])
            assert county["water_use_cap_m3"] != ""


@pytest.fixture(scope="module")
def users(out) -> dict[str, dict]:
    """Each user's sector, source and town (by a live point-in-town test)."""
    towns, tf, _ = read_layer(out / "towns.gpkg")
    geoms, uf, _ = read_layer(out / "water-users.gpkg")
    town_of = {}
    for code, town in zip(tf["code"], towns, strict=True):
        for u in uf["code"][shapely.within(geoms, town)]:
            town_of[u] = code
    return {
        c: {"sector": s, "source": src, "town": town_of[c]}
        for c, s, src in zip(uf["code"], uf["sector"], uf["source"], strict=True)
    }


class CoherenceTests:
    """The layers and records add up: what the networks bill is what their users consume,
    abstractions cover every use, and people use plausible volumes."""

    def test_network_users_consume_what_the_network_bills(self, out, users, use):
        """Σ users on a zone's network = the zone's billed authorised consumption (to rounding:
        0.1 m3 per monthly reading), and billed + unbilled <= system input."""
        zone_town = {"SZ01": "441882100", "SZ02": "441882101", "SZ03": "441882105",
                     "SZ04": "441882107", "SZ05": "441882104", "SZ06": "441882108"}  # fmt: skip
        for r in read_csv(out / "water-balance.csv"):
            year, town = int(r["year"]), zone_town[r["zone_code"]]
            piped = [
                c for c, u in users.items() if u["source"] == "public_network" and u["town"] == town
            ]
            consumed = sum(use[0][(c, year)] for c in piped)
            assert consumed == pytest.approx(
                float(r["billed_authorized_m3"]), abs=0.1 * 12 * len(piped) + 2
            )
            authorised = float(r["billed_authorized_m3"]) + float(r["unbilled_authorized_m3"])
            assert authorised < float(r["system_input_m3"])
            residential = sum(
                use[0][(c, year)] for c in piped if users[c]["sector"] == "residential"
            )
            assert float(r["household_metered_residential_m3"]) <= residential

    def test_abstractions_cover_every_use(self, out, users, use):
        """surface = irrigation + self-supplied surface users; groundwater = well users; public
        supply >= Σ system input; non-conventional = Σ reclaimed + Σ users' harvested rain;
        industrial use = industry."""
        stats = {
            int(r["year"]): r
            for r in read_csv(out / "area-stats.csv")
            if r["area_code"] == "441882"
        }
        irrigation = defaultdict(float)
        for r in read_csv(out / "irrigation-records.csv"):
            irrigation[int(r["year"])] += float(r["gross_withdrawal_m3"])
        system_input = defaultdict(float)
        for r in read_csv(out / "water-balance.csv"):
            system_input[int(r["year"])] += float(r["system_input_m3"])
        reclaimed = defaultdict(float)
        for r in read_csv(out / "sewage-plant-months.csv"):
            reclaimed[int(r["month"][:4])] += float(r["reclaimed_m3"])
        for r in read_csv(out / "nonconventional-uses.csv"):
            reclaimed[int(r["year"])] += float(r["volume_m3"])
        for year in YEARS:
            s = {k: float(v) for k, v in stats[year].items() if k.endswith("_m3") and v}

            def users_of(year: int = year, **want) -> float:
                return sum(
                    use[0][(c, year)] for c, u in users.items()
                    if all(u[k] == v for k, v in want.items())
                )  # fmt: skip

            assert s["abstraction_surface_m3"] == pytest.approx(
                irrigation[year] + users_of(source="surface"), abs=2
            )
            assert s["abstraction_groundwater_m3"] == pytest.approx(
                users_of(source="groundwater"), abs=2
            )
            assert 1.0 < s["abstraction_public_supply_m3"] / system_input[year] < 1.06
            assert s["abstraction_nonconventional_m3"] == pytest.approx(reclaimed[year], abs=2)
            assert s["industrial_use_m3"] == pytest.approx(users_of(sector="industry"), abs=2)

    def test_residential_use_per_person(self, out, users, use):
        """Residential L per person per day, per town: 100-180 (GB/T 50331-2002 四区 cities
        150-220; hill towns and well-water villages use less)."""
        pop = {
            (r["area_code"], int(r["year"])): int(r["population"])
            for r in read_csv(out / "area-stats.csv") if r["area_code"] != "441882"
        }  # fmt: skip
        assert len({v for (_, y), v in pop.items() if y == 2023}) == 12  # no shared populations
        for (town, year), people in pop.items():
            homes = sum(
                use[0][(c, year)] for c, u in users.items()
                if u["town"] == town and u["sector"] == "residential"
            )  # fmt: skip
            days = 366 if year == 2024 else 365
            lpd = homes * 1000 / people / days
            assert 100 <= lpd <= 180, (town, year, lpd)

    def test_leak_records(self, out):
        """Leaks on in-service pipes, repaired on or after the day found, and their estimated
        losses below each zone-year's losses (system input - authorised)."""
        _, pf, _ = read_layer(out / "pipes.gpkg")
        status = dict(zip(pf["code"], pf["status"], strict=True))
        leaks = read_csv(out / "leak-records.csv")
        assert len(leaks) >= 50
        for r in leaks:
            assert status[r["pipe_code"]] == "in_service"
            assert r["found_on"] <= r["repaired_on"] and r["found_on"][:4] in {
                "2023",
                "2024",
                "2025",
            }
            assert float(r["estimated_loss_m3"]) >= 0 and r["cause"]
        lost = sum(
            float(r["system_input_m3"])
            - float(r["billed_authorized_m3"])
            - float(r["unbilled_authorized_m3"])
            for r in read_csv(out / "water-balance.csv")
        )
        assert 0 < sum(float(r["estimated_loss_m3"]) for r in leaks) < 0.3 * lost

    def test_reservoirs_sit_on_their_rivers(self, out):
        """A reservoir zone lies on the river it dams: within 2 km of that river's zones."""
        geoms, zf, _ = read_layer(out / "water-function-zones.gpkg")
        m = metric(geoms)
        for i, body in enumerate(zf["water_body"]):
            if body != "lake":
                continue
            same = [
                j for j, (river, b) in enumerate(zip(zf["river"], zf["water_body"], strict=True))
                if river == zf["river"][i] and b == "river"
            ]  # fmt: skip
            assert same, zf["code"][i]
            assert min(m[i].distance(m[j]) for j in same) < 2000, zf["code"][i]

    def test_carriers_by_year(self, out):
        """Public institutions recognised by a year (register carrier-recognitions): < 50 % in
        2023, >= 50 % in 2025; every recognition with its standard and certificate."""
        _, uf, _ = read_layer(out / "water-users.gpkg")
        inst = {
            c for c, s in zip(uf["code"], uf["sector"], strict=True) if s == "public_institution"
        }
        rows = read_csv(out / "carrier-recognitions.csv")
        years = {
            r["user_code"]: int(r["recognised_on"][:4]) for r in rows if r["kind"] == "institution"
        }

        def share(year: int) -> float:
            return sum(1 for c in inst if years.get(c, 9999) <= year) / len(inst)

        assert share(2023) < 0.5 <= share(2025)
        assert set(years.values()) <= set(range(2016, 2026)) and set(years) <= inst
        assert all(r["standard"] and r["certificate"] for r in rows)
