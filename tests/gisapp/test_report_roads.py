"""The major roads on the report maps: the county report's SVG map (and so its PDF) and the
offline folium export draw the roads and their names (demo county in the test database)."""

import json
import re

import pytest
from shapely.geometry import LineString, box

from gisapp.reports.svg_map import SvgFeature, SvgLabel, SvgLayer, svg_map
from layers.models import Road

YEAR = 2024
ROAD_NAMES = {"二广高速", "广连高速", "许广高速", "国道G323", "县道X801", "县道X802", "县道X803"}


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client


@pytest.mark.django_db
class ReportRoadTests:
    def test_report_map_draws_the_roads_and_a_road_name(self, official_client):
        """The SVG map has a roads group with one path per demo road (7), under the failing
        layers, and at least one road name in its box; the legend names the grades drawn."""
        response = official_client.get(f"/reports/county/?year={YEAR}")
        assert response.status_code == 200
        svg = str(response.context["map_svg"])
        roads = re.search(r'<g data-layer="roads">(.*?)</g>', svg).group(1)
        assert roads.count("<path ") == Road.objects.count() == 7
        assert svg.index('data-layer="roads"') < svg.index('data-layer="supply-zones"')
        shown = re.findall(
            r'<g class="place-road"><rect [^>]*rx="[^"]+"[^>]*/><text [^>]*>([^<]+)', svg
        )
        assert shown, "no road name on the report map"
        assert all(text.split(" ")[-1] in ROAD_NAMES for text in shown)
        legend = [str(row["label"]) for row in response.context["legend"]]
        assert {"高速公路", "国道", "县道"} <= set(
            legend
        ) and "省道" not in legend  # none in the demo

    def test_offline_export_draws_the_roads_and_their_names(self, official_client):
        response = official_client.get(f"/reports/map.html?year={YEAR}")
        assert response.status_code == 200
        html = response.content.decode("utf-8")
        # the roads' layer in the switcher (styles/roads.json title), as folium writes it in JS
        assert json.dumps("主要道路")[1:-1] in html
        assert "place-name place-road road-expressway" in html
        assert (
            ".road-expressway{border-color:#c96f00}" in html
        )  # the grade's colour, from the style
        assert json.dumps("二广高速")[1:-1] in html


class SvgRoadLabelTests:
    PAINT = {"stroke_color": "#333333", "stroke_width": 1}

    def test_a_road_name_is_boxed_after_its_number(self):
        svg = svg_map(
            [SvgLayer("roads", [SvgFeature(LineString([(0, 0), (1, 0)]), self.PAINT)])],
            width=400,
            padding=0,
            labels=[SvgLabel(0.5, 0, "二广高速", "road", 4, number="G55", edge="#c96f00")],
        )
        assert '<g class="place-road"><rect ' in svg and 'stroke="#c96f00"' in svg
        assert ">G55 二广高速</text>" in svg

    def test_a_town_keeps_its_place_over_a_road(self):
        """Town and road names on one point: the town (priority 1) is drawn, the road's
        (priority 4) is left out; a road name elsewhere is drawn."""
        svg = svg_map(
            [SvgLayer("zones", [SvgFeature(box(-0.5, -0.5, 0.5, 0.5), self.PAINT)])],
            width=400,
            padding=0,
            labels=[
                SvgLabel(0, 0, "县道X801", "road", 4),
                SvgLabel(0, 0, "甲镇", "town", 1),
                SvgLabel(0.3, -0.3, "县道X802", "road", 4),
            ],
        )
        assert "甲镇" in svg and "县道X802" in svg and "县道X801" not in svg
