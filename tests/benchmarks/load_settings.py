"""Settings for loading the large benchmark demos (scale 10 and 100) with `load_demo`.

The demo's closing hydraulic run simulates the whole network; from scale 10 it holds more
junctions (122,000 at scale 10, 1.2 million at 100) than the bound set for requests
(HYDRAULICS_MAX_NODES, 60,000), which would refuse the load. Only the loader uses these.
"""

from gisapp.settings.dev import *  # noqa: F403

HYDRAULICS_MAX_NODES = 5_000_000
HYDRAULICS_TIMEOUT_S = 7200
HYDRAULICS_MAX_INP_BYTES = 4 * 1024**3
