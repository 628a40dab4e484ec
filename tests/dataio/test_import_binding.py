"""import_layer pipes: how pipe ends bind to nodes within the snap tolerance (metres)."""

import pytest
from django.core.management import call_command
from pyproj import Geod
from shapely.geometry import LineString, Point

from network.models import PipeNode, PipeSegment
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db

# A quiet spot north-east of Lianzhou town (112.38E 24.78N), away from the demo network.
ORIGIN = (112.4731, 24.8417)
GEOD = Geod(ellps="WGS84")


def at(east_m: float, north_m: float = 0.0) -> Point:
    """The point east_m metres east and north_m metres north of ORIGIN (on the ellipsoid)."""
    lon, lat = ORIGIN
    if east_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 90 if east_m > 0 else 270, abs(east_m))
    if north_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 0 if north_m > 0 else 180, abs(north_m))
    return Point(lon, lat)


def metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def import_pipes(tmp_path, lines: dict[str, LineString], status: str = "in_service") -> None:
    n = len(lines)
    path = write_layer(
        tmp_path / "pipes.gpkg",
        list(lines.values()),
        {
            "code": list(lines),
            "diameter_mm": [100] * n,
            "material": ["PE"] * n,
            "install_year": [2020] * n,
            "status": [status] * n,
        },
    )
    call_command("import_layer", "pipes", str(path), verbosity=0)


class PipeEndBindingTests:
    @pytest.fixture(autouse=True)
    def _tolerance(self, settings):
        settings.NETWORK_SNAP_TOLERANCE_M = 0.5

    def test_ends_within_tolerance_share_one_node_beyond_get_two(self, tmp_path):
        nodes_before = PipeNode.objects.count()
        import_pipes(
            tmp_path,
            {
                # 0.3 m apart: one junction where they meet.
                "T-B-1": LineString([at(-80), at(0)]),
                "T-B-2": LineString([at(0.3), at(80)]),
                # 0.8 m apart, 40 m further north: two junctions.
                "T-B-3": LineString([at(-80, 40), at(0, 40)]),
                "T-B-4": LineString([at(0.8, 40), at(80, 40)]),
            },
        )
        p1, p2, p3, p4 = (PipeSegment.objects.get(code=f"T-B-{i}") for i in range(1, 5))
        assert p1.end_node_id == p2.start_node_id
        assert p3.end_node_id != p4.start_node_id
        assert PipeNode.objects.count() == nodes_before + 7  # 3 above, 4 below
        # The shared junction sits on the westmost end; the other end moved onto it.
        junction = p1.end_node.geom.coords
        assert junction == pytest.approx(at(0).coords[0], abs=1e-12)
        assert p2.geom.coords[0] == junction and p1.geom.coords[-1] == junction
        assert p2.length_m == pytest.approx(80.0, abs=0.01)  # 79.7 m before the snap
        # Ends farther apart than the tolerance stay where they were.
        assert metres(p3.geom.coords[-1], p4.geom.coords[0]) == pytest.approx(0.8, abs=0.01)

    def test_end_near_an_existing_node_binds_to_it_and_reimport_changes_nothing(self, tmp_path):
        import_pipes(tmp_path, {"T-B-5": LineString([at(-60, -40), at(0, -40)])})
        node = PipeSegment.objects.get(code="T-B-5").end_node
        import_pipes(
            tmp_path,
            {
                "T-B-5": LineString([at(-60, -40), at(0, -40)]),
                "T-B-6": LineString([at(0.4, -40), at(60, -40)]),
            },
        )
        assert PipeSegment.objects.get(code="T-B-6").start_node == node
        after = tables_fingerprint()
        import_pipes(
            tmp_path,
            {
                "T-B-5": LineString([at(-60, -40), at(0, -40)]),
                "T-B-6": LineString([at(0.4, -40), at(60, -40)]),
            },
        )
        assert tables_fingerprint() == after

    def test_no_end_moves_farther_than_the_tolerance(self, tmp_path):
        # A chain 0.4 m + 0.4 m: DBSCAN puts the three ends in one cluster, but the junction
        # (on the westmost end) is 0.8 m from the last, which is left without a node rather
        # than dragged farther than the tolerance (planned pipes may lack nodes).
        import_pipes(
            tmp_path,
            {
                "T-B-7": LineString([at(-50, -80), at(0, -80)]),
                "T-B-8": LineString([at(0.4, -80), at(0.4, -30)]),
                "T-B-9": LineString([at(0.8, -80), at(50, -80)]),
            },
            status="planned",
        )
        p7, p8, p9 = (PipeSegment.objects.get(code=f"T-B-{i}") for i in (7, 8, 9))
        assert p7.end_node_id == p8.start_node_id
        assert p9.start_node_id is None
        assert p9.geom.coords[0] == pytest.approx(at(0.8, -80).coords[0], abs=1e-12)
