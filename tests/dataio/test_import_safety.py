"""Imports that cannot corrupt (issue 16): update mode, blanks, projections, the county's
extent, code pages, duplicates, retirement, history, and bombs — each with real files."""

import sqlite3
import zipfile

import psycopg
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook
from shapely.geometry import LineString, Point

from dataio.importing import ImportFailed
from dataio.importing.files import cpg_codec
from dataio.importing.layer_import import layer_import
from dataio.importing.records_import import records_import
from layers.geometry import reproject
from layers.models import LayerVersion, SewagePlant, WaterQualitySample
from network.models import NetworkChange, PipeSegment
from network.services.history import change_as_dict
from network.services.session import NETWORK_LOCK_KEY
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db


def shapely_of(geos) -> shapely.Geometry:
    return shapely.from_wkb(bytes(geos.wkb))


def abandoned_pipes(n: int = 20) -> list[PipeSegment]:
    """Demo pipes out of service, with an install year (what the attack blanked)."""
    pipes = list(
        PipeSegment.objects.filter(status="abandoned", install_year__isnull=False).order_by("code")[
            :n
        ]
    )
    assert len(pipes) == n
    return pipes


def pipes_file(path, pipes, *, srid=4326, **columns):
    geoms = [shapely_of(p.geom) for p in pipes]
    if srid != 4326:
        geoms = [reproject(g, 4326, srid) for g in geoms]
    fields = {
        "code": [p.code for p in pipes],
        "diameter_mm": [p.diameter_mm for p in pipes],
        "material": [p.material for p in pipes],
        **columns,
    }
    return write_layer(path, geoms, fields, crs=f"EPSG:{srid}")


def state(pipes) -> list[tuple]:
    rows = PipeSegment.objects.filter(pk__in=[p.pk for p in pipes]).order_by("code")
    return list(rows.values_list("code", "status", "install_year", "version", "diameter_mm"))


class UpdateModeTests:
    def test_columns_left_out_keep_their_values(self, tmp_path):
        """The attack: 20 abandoned pipes re-sent without `status` and `install_year` became
        in_service and lost their year ("updated 20"). Now the absent columns are untouched,
        and as nothing else differs every pipe is unchanged: 0 updated, versions as they were."""
        pipes = abandoned_pipes()
        before = state(pipes)
        path = pipes_file(tmp_path / "pipes.gpkg", pipes)
        report = layer_import(slug="pipes", path=path)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 20)
        assert state(pipes) == before

    def test_a_changed_column_updates_only_that_field(self, tmp_path):
        """One pipe's diameter 100 → 150 in a file without status: 1 updated (diameter_mm),
        its status stays abandoned, its version goes up by one, the 19 others unchanged."""
        pipes = abandoned_pipes()
        before = {row[0]: row for row in state(pipes)}
        diameters = [p.diameter_mm for p in pipes]
        diameters[0] = 150 if diameters[0] != 150 else 100
        path = pipes_file(tmp_path / "pipes.gpkg", pipes, diameter_mm=diameters)
        call_command("import_layer", "pipes", str(path), "--dry-run", verbosity=1)
        report = layer_import(slug="pipes", path=path)
        assert (report.updated, report.unchanged) == (1, 19)
        change = next(c for c in report.changes if c.action == "updated")
        assert change.code == pipes[0].code and change.fields == ("diameter_mm",)
        pipe = PipeSegment.objects.get(pk=pipes[0].pk)
        assert pipe.status == "abandoned" and pipe.install_year == pipes[0].install_year
        assert pipe.version == before[pipe.code][3] + 1

    def test_dry_run_lists_each_change_and_writes_nothing(self, tmp_path, capsys):
        pipes = abandoned_pipes(3)
        materials = [p.material for p in pipes]
        materials[1] = "PE" if materials[1] != "PE" else "PVC"
        path = pipes_file(tmp_path / "pipes.gpkg", pipes, material=materials)
        before = tables_fingerprint()
        call_command("import_layer", "pipes", str(path), "--dry-run")
        out = capsys.readouterr().out
        assert f"{pipes[1].code}: updated (material) [row 2]" in out
        assert tables_fingerprint() == before

    def test_an_empty_cell_over_a_stored_value_is_refused(self, tmp_path, capsys):
        """install_year present but empty in row 2: refused (row 2, install_year), nothing
        written; with --clear-blanks the year (a nullable field) is cleared."""
        pipes = abandoned_pipes(3)
        years = [p.install_year for p in pipes]
        path = pipes_file(
            tmp_path / "pipes.geojson", pipes, install_year=[years[0], None, years[2]]
        )
        before = tables_fingerprint()
        with pytest.raises(CommandError, match="nothing was written"):
            call_command("import_layer", "pipes", str(path), verbosity=0)
        assert "row 2, column install_year: empty cell" in capsys.readouterr().err
        assert tables_fingerprint() == before
        call_command("import_layer", "pipes", str(path), "--clear-blanks", verbosity=0)
        assert PipeSegment.objects.get(pk=pipes[1].pk).install_year is None
        assert PipeSegment.objects.get(pk=pipes[0].pk).install_year == years[0]

    def test_a_blank_status_is_never_cleared_to_its_default(self, tmp_path):
        """status has a default (in_service) and may not be blank: even with --clear-blanks an
        empty status over 'abandoned' is refused."""
        pipes = abandoned_pipes(2)
        path = pipes_file(tmp_path / "pipes.geojson", pipes, status=["abandoned", ""])
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path, clear_blanks=True)
        assert [(e.row, e.column) for e in caught.value.errors] == [(2, "status")]
        assert PipeSegment.objects.get(pk=pipes[1].pk).status == "abandoned"


class RecordBlankTests:
    def test_an_empty_cell_over_a_stored_record_value_is_refused(self, tmp_path):
        """A stored water-quality sample re-sent with its NH3-N cell empty (other columns
        left out): refused naming spreadsheet row 2 and nh3n; with clear_blanks it is
        cleared and the left-out columns keep their values."""
        sample = WaterQualitySample.objects.filter(nh3n__isnull=False, do__isnull=False).first()
        path = tmp_path / "samples.csv"
        path.write_text(
            f"zone_code,sampled_on,nh3n\n{sample.zone.code},{sample.sampled_on},\n", "utf-8"
        )
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            records_import(kind="water-quality-samples", path=path)
        assert [(e.row, e.column) for e in caught.value.errors] == [(2, "nh3n")]
        assert tables_fingerprint() == before
        records_import(kind="water-quality-samples", path=path, clear_blanks=True)
        sample.refresh_from_db()
        assert sample.nh3n is None and sample.do is not None


class ProjectionTests:
    def test_resending_through_another_projection_changes_nothing(self, tmp_path):
        """The same 20 pipes written in CGCS2000 / GK CM 111E (EPSG:4546) differ from the
        stored lon/lat by rounding only (< 1 mm): every pipe unchanged, no version bumped, no
        table changed at all."""
        pipes = abandoned_pipes()
        path = pipes_file(tmp_path / "pipes4546.gpkg", pipes, srid=4546)
        before = tables_fingerprint()
        report = layer_import(slug="pipes", path=path)
        assert (report.updated, report.unchanged) == (0, 20)
        assert tables_fingerprint() == before

    def test_wrong_gauss_kruger_zone_refused_with_a_hint(self, tmp_path):
        """Plants near Lianzhou town (112.38E) written in GK CM 111E (EPSG:4546) but declared
        CM 108E (EPSG:4545) would land ~300 km west, in Guangxi: every row refused, the reason
        names EPSG:4546, nothing written."""
        points = [Point(112.381, 24.781), Point(112.392, 24.772)]
        gk = [reproject(p, 4326, 4546) for p in points]
        path = write_layer(
            tmp_path / "plants.gpkg",
            gk,
            {
                "code": ["T-GK-1", "T-GK-2"],
                "design_capacity_m3d": [500.0, 800.0],
                "effluent_grade": ["1A", "1B"],
            },
            crs="EPSG:4545",
        )
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="sewage-plants", path=path)
        errors = caught.value.errors
        assert [e.row for e in errors] == [1, 2]
        assert "outside the county" in errors[0].reason
        assert "EPSG:4546" in errors[0].reason
        assert tables_fingerprint() == before
        layer_import(slug="sewage-plants", path=path, srid=4546)
        assert SewagePlant.objects.get(code="T-GK-1").geom.x == pytest.approx(112.381, abs=1e-7)

    def test_users_and_pipes_outside_the_county_refused(self, tmp_path):
        """A pipe in Guangzhou (113.3E 23.1N), 200 km from the county: refused."""
        path = write_layer(
            tmp_path / "pipes.gpkg",
            [LineString([(113.30, 23.10), (113.301, 23.10)])],
            {"code": ["T-FAR-1"], "diameter_mm": [100], "material": ["PE"]},
        )
        with pytest.raises(ImportFailed, match="outside the county"):
            layer_import(slug="pipes", path=path)
        assert not PipeSegment.objects.filter(code="T-FAR-1").exists()


class DuplicateRouteTests:
    def test_a_pipe_repeating_a_stored_route_is_refused(self, tmp_path):
        """A new code on the exact route of a stored in-service pipe (reversed, as a second
        survey may digitise it): refused naming the stored pipe, as the editor refuses it."""
        original = PipeSegment.objects.filter(status="in_service").order_by("code").first()
        route = shapely_of(original.geom).reverse()
        path = write_layer(
            tmp_path / "pipes.gpkg",
            [route],
            {"code": ["T-DUP-1"], "diameter_mm": [100], "material": ["PE"]},
        )
        before = tables_fingerprint()
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path)
        assert caught.value.errors[0].reason == f"same route as pipe {original.code}"
        assert tables_fingerprint() == before

    def test_a_pipe_running_along_part_of_a_stored_one_is_refused(self, tmp_path):
        """A new pipe laid on the first half of a stored in-service pipe (≥ 40 m long), then
        turning away: about 20 m of it lie on the other, far more than the editor's limit of
        4 snapping tolerances (2 m at 0.5 m) — refused, naming the pipe and the metres."""
        stored = next(
            p
            for p in PipeSegment.objects.filter(status="in_service").order_by("code")
            if p.length_m >= 40 and len(p.geom.coords) == 2
        )
        (x0, y0), (x1, y1) = stored.geom.coords
        mid = ((x0 + x1) / 2, (y0 + y1) / 2)
        away = (mid[0] + (y1 - y0) / 2, mid[1] - (x1 - x0) / 2)  # a right angle off the pipe
        path = write_layer(
            tmp_path / "pipes.gpkg",
            [LineString([(x0, y0), mid, away])],
            {"code": ["T-OVL-1"], "diameter_mm": [100], "material": ["PE"]},
        )
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path)
        reason = caught.value.errors[0].reason
        assert reason.startswith(f"runs along pipe {stored.code} for ")
        metres = float(reason.split(" for ")[1].split(" m")[0])
        assert metres == pytest.approx(stored.length_m / 2, abs=1.5)

    def test_two_rows_with_one_route_are_refused(self, tmp_path):
        route = LineString([(112.45, 24.80), (112.451, 24.80)])
        path = write_layer(
            tmp_path / "pipes.gpkg",
            [route, route],
            {"code": ["T-DUP-A", "T-DUP-B"], "diameter_mm": [100, 100], "material": ["PE", "PE"]},
        )
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="pipes", path=path)
        assert [(e.row, e.reason) for e in caught.value.errors] == [
            (2, "same route as row 1 (pipe T-DUP-A)")
        ]


class NetworkLockTests:
    def test_a_pipe_import_waits_for_the_editor_s_lock_then_refuses(self, tmp_path, settings):
        """Another worker holds the network write lock (an edit in progress): a pipe import
        waits NETWORK_LOCK_WAIT_S (0.2 s here), then is refused and writes nothing — it never
        binds pipe ends or adds junctions beside a running edit."""
        settings.NETWORK_LOCK_WAIT_S = 0.2
        pipes = abandoned_pipes(1)
        diameter = 150 if pipes[0].diameter_mm != 150 else 100
        path = pipes_file(tmp_path / "pipes.gpkg", pipes, diameter_mm=[diameter])
        other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        try:
            other.execute("SELECT pg_advisory_lock(%s)", [NETWORK_LOCK_KEY])
            before = tables_fingerprint()
            with pytest.raises(ImportFailed, match="network is being edited"):
                layer_import(slug="pipes", path=path)
        finally:
            other.close()
        assert tables_fingerprint() == before


class HistoryAndRetireTests:
    def test_each_imported_pipe_has_the_import_in_its_history(self, tmp_path, engineer):
        """A new pipe and an edited one: an 'import' change for the edited pipe with its state
        before (its old diameter) and after, and one for the created pipe (its state after,
        kept as id and looked-up codes: read back whole); the user recorded in both."""
        pipes = abandoned_pipes(1)
        old = pipes[0].diameter_mm
        new = 150 if old != 150 else 100
        geoms = [shapely_of(pipes[0].geom), LineString([(112.46, 24.81), (112.461, 24.81)])]
        path = write_layer(
            tmp_path / "pipes.gpkg",
            geoms,
            {
                "code": [pipes[0].code, "T-HIST-1"],
                "diameter_mm": [new, 100],
                "material": ["PE"] * 2,
            },
        )
        layer_import(slug="pipes", path=path, user=engineer)
        created = PipeSegment.objects.get(code="T-HIST-1")
        changes = NetworkChange.objects.filter(operation="import")
        change = changes.filter(pipe_ids__contains=[pipes[0].pk]).latest("pk")  # the demo's too
        assert change.pipe_ids == [pipes[0].pk] and change.user == engineer
        (before,) = change.before["pipes"]
        assert before["id"] == pipes[0].pk and before["properties"]["diameter_mm"] == old
        (after,) = change.after["pipes"]
        assert after["properties"]["diameter_mm"] == new
        made = changes.get(pipe_ids=[created.pk])
        assert made.user == engineer and made.before == {"pipes": []}
        (after,) = change_as_dict(made)["after"]["pipes"]
        assert (after["id"], after["properties"]["diameter_mm"]) == (created.pk, 100)

    def test_retire_missing_only_when_asked(self, tmp_path):
        """The plants layer re-sent without one plant: kept as it is by default; with
        --retire-missing it is closed (retired), never deleted."""
        plants = list(SewagePlant.objects.exclude(status="closed").order_by("code"))
        kept, dropped = plants[:-1], plants[-1]
        path = write_layer(
            tmp_path / "plants.gpkg",
            [shapely_of(p.geom) for p in kept],
            {"code": [p.code for p in kept]},
        )
        report = layer_import(slug="sewage-plants", path=path)
        assert report.retired == 0 and SewagePlant.objects.get(pk=dropped.pk).status != "closed"
        report = layer_import(slug="sewage-plants", path=path, retire_missing=True)
        assert report.retired == 1
        assert SewagePlant.objects.get(pk=dropped.pk).status == "closed"

    def test_retire_refused_for_a_layer_without_a_retired_state(self, tmp_path):
        user = shapely_of(next(iter(SewagePlant.objects.all())).geom)
        path = write_layer(
            tmp_path / "users.gpkg", [user], {"code": ["T-U-1"], "sector": ["industry"]}
        )
        with pytest.raises(ImportFailed, match="no retired state"):
            layer_import(slug="water-users", path=path, retire_missing=True)

    def test_a_raw_postgis_edit_is_versioned_and_an_import_restores_it(self, tmp_path):
        """QGIS editing the table directly: the pipes' data version still moves (trigger);
        re-importing the bureau's file puts the diameter back (1 updated)."""
        pipes = abandoned_pipes(1)
        path = pipes_file(tmp_path / "pipes.gpkg", pipes)
        version = LayerVersion.objects.get(key="pipes").version
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE layers_pipesegment SET diameter_mm = 999 WHERE id = %s", [pipes[0].pk]
            )
        assert LayerVersion.objects.get(key="pipes").version == version + 1
        report = layer_import(slug="pipes", path=path)
        assert report.updated == 1
        assert PipeSegment.objects.get(pk=pipes[0].pk).diameter_mm == pipes[0].diameter_mm


PLANT = Point(112.381, 24.781)


def gbk_shapefile(tmp_path, cpg: str | None):
    folder = tmp_path / "shp"
    folder.mkdir()
    write_layer(
        folder / "plants.shp",
        [PLANT],
        {
            "code": ["T-CPG-1"],
            "name": ["测试污水厂"],
            "design_capacity_m3d": [100.0],
            "effluent_grade": ["1A"],
        },
        driver="ESRI Shapefile",
        encoding="GBK",
    )
    (folder / "plants.cpg").unlink(missing_ok=True)
    if cpg is not None:
        (folder / "plants.cpg").write_text(cpg)
    path = tmp_path / "plants.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return path


class CodePageTests:
    @pytest.mark.parametrize("cpg", ["ANSI 936", "936", "GB2312"])
    def test_arcgis_code_page_names_read_as_gbk(self, tmp_path, cpg):
        layer_import(slug="sewage-plants", path=gbk_shapefile(tmp_path, cpg))
        assert SewagePlant.objects.get(code="T-CPG-1").name == "测试污水厂"

    @pytest.mark.parametrize("cpg", ["System", "65001", "UTF-8"])
    def test_text_that_does_not_decode_is_refused_with_its_row(self, tmp_path, cpg):
        """GBK text under a .cpg saying System (the writer's locale) or UTF-8: refused, never
        stored garbled; the encoding given by hand then reads it."""
        path = gbk_shapefile(tmp_path, cpg)
        with pytest.raises(ImportFailed) as caught:
            layer_import(slug="sewage-plants", path=path)
        assert "--encoding" in caught.value.errors[0].reason
        assert caught.value.errors[0].row in (0, 1)
        assert not SewagePlant.objects.filter(code="T-CPG-1").exists()
        layer_import(slug="sewage-plants", path=path, encoding="GBK")
        assert SewagePlant.objects.get(code="T-CPG-1").name == "测试污水厂"

    def test_cpg_names(self):
        assert cpg_codec("ANSI 936") == "gb18030"
        assert cpg_codec("65001") == "utf-8"
        assert cpg_codec("System") is None
        with pytest.raises(ImportFailed, match="not known"):
            cpg_codec("ANSI 99999")


class BombTests:
    def test_a_geopackage_layer_that_is_a_view_is_refused(self, tmp_path):
        """A 100 KB GeoPackage whose layer is a recursive view ran 71 s and took 4.9 GB:
        refused before GDAL reads it."""
        path = write_layer(
            tmp_path / "plants.gpkg",
            [PLANT],
            {"code": ["T-V-1"], "design_capacity_m3d": [1.0], "effluent_grade": ["1A"]},
        )
        db = sqlite3.connect(path)
        db.execute("ALTER TABLE plants RENAME TO plants_data")
        db.execute(
            "CREATE VIEW plants AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
            "FROM n) SELECT p.* FROM plants_data p, n"
        )
        db.commit()
        db.close()
        with pytest.raises(ImportFailed, match="is a view"):
            layer_import(slug="sewage-plants", path=path)

    def test_an_xlsx_expanding_beyond_the_limit_is_refused_before_parsing(self, tmp_path):
        """A small workbook whose sheet XML expands more than 200× (a zip bomb): refused
        before openpyxl reads it."""
        book = Workbook()
        book.active.append(["user_code", "month", "volume_m3", "metered"])
        path = tmp_path / "bomb.xlsx"
        book.save(path)
        bloated = tmp_path / "bloated.xlsx"
        with (
            zipfile.ZipFile(path) as src,
            zipfile.ZipFile(bloated, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</worksheet>", b" " * 20_000_000 + b"</worksheet>")
                dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
        assert bloated.stat().st_size < 200_000
        with pytest.raises(ImportFailed, match="zip bomb"):
            records_import(kind="consumption", path=bloated)
