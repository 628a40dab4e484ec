"""The second demo county (阳山县, demo.county2): its files add up and its codes overlap
Lianzhou's (codes are unique within a county). No database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyogrio.raw
import pytest
import shapely

from demo.common import YEARS, load_outline
from demo.county2 import YANGSHAN, generate_county
from demo.towns import SUPPLY_ZONES


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("yangshan")
    generate_county(YANGSHAN, path)
    return path


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def layer(path: Path) -> tuple[list, dict]:
    meta, _fids, geoms, fields = pyogrio.raw.read(str(path))
    return list(shapely.from_wkb(geoms)), dict(zip(meta["fields"], fields, strict=True))


class SecondCountyTests:
    def test_towns_are_the_real_towns_and_tile_the_real_outline(self, out):
        """13 towns and townships of 阳山 (names real), together the county's outline."""
        geoms, fields = layer(out / "towns.gpkg")
        names = set(fields["name"])
        assert len(names) == 13 and {"阳城镇", "黎埠镇", "秤架瑶族乡"} <= names
        assert set(fields["parent_code"]) == {"441823"}
        outline = load_outline(YANGSHAN.boundary)
        union = shapely.union_all(geoms)
        assert union.symmetric_difference(outline).area < 1e-6 * outline.area

    def test_the_area_statistics_add_up(self, out):
        """Each year: towns' people, GDP and value added = the county's; surface abstraction =
        the districts' gross withdrawal + self-supplied surface use (9.5e6 × 0.99^k); public
        supply = the zones' system input + the works' own 3-5 %."""
        stats = rows(out / "area-stats.csv")
        balance = rows(out / "water-balance.csv")
        irrigation = rows(out / "irrigation-records.csv")
        for k, year in enumerate(YEARS):
            county = next(r for r in stats if r["area_code"] == "441823" and r["year"] == str(year))
            towns = [r for r in stats if len(r["area_code"]) == 9 and r["year"] == str(year)]
            assert sum(int(r["population"]) for r in towns) == int(county["population"])
            for col in ("gdp_10k_yuan", "industrial_value_added_10k_yuan"):
                assert sum(float(r[col]) for r in towns) == pytest.approx(float(county[col]))
            gross = sum(
                float(r["gross_withdrawal_m3"]) for r in irrigation if r["year"] == str(year)
            )
            assert float(county["abstraction_surface_m3"]) == round(gross + 9_500_000 * 0.99**k)
            qs = sum(float(r["system_input_m3"]) for r in balance if r["year"] == str(year))
            assert 1.03 * qs <= float(county["abstraction_public_supply_m3"]) <= 1.05 * qs + 1

    def test_codes_overlap_lianzhous(self, out):
        """Same generator patterns: 阳山's SZ01 and ID01 carry the codes Lianzhou uses."""
        _g, zones = layer(out / "supply-zones.gpkg")
        assert set(zones["code"]) <= {z.code for z in SUPPLY_ZONES}
        _g, districts = layer(out / "irrigation-districts.gpkg")
        assert "ID01" in set(districts["code"])

    def test_its_manifest_names_its_own_planted_failures(self, out):
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["county"] == "441823"
        assert manifest["planted_failures"]["supply.leakage"] == ["SZ01"]

    def test_same_profile_same_files(self, out, tmp_path):
        generate_county(YANGSHAN, tmp_path)
        for name in ("area-stats.csv", "water-balance.csv", "irrigation-records.csv"):
            assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
