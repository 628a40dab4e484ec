"""Attributes of the demo network: pipe diameter, material, install year, status; node kinds."""

from __future__ import annotations

import numpy as np

from demo.pipe_sizing import valve_cover

HYDRANT_SHARE = 0.7  # of the free nodes on pipes >= DN100
METER_SHARE = 0.015  # district and bulk meters among the other junctions

# Segment classes, used for attributes and for the problem lists.
CHAIN, MAIN, DIST, STUB, DIAG, BLOCK, DUP = range(7)

# (diameters mm, probabilities) of minor pipes. Side streets and alleys carry DN40-DN50 PE
# distribution pipes as in most county towns; the mains on the main streets (>= DN150) and the
# intake main make up most of the length >= DN75 that CJJ 92-2016 counts (A, km per 10,000 m3).
DN_CHOICES = {
    DIST: ((40, 50), (0.3, 0.7)),
    STUB: ((25, 32, 40), (0.3, 0.4, 0.3)),
    BLOCK: ((50, 75), (0.8, 0.2)),
}


def materials(dn: np.ndarray, year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pipe material by era and diameter, as Chinese town networks were laid."""
    u = rng.random(len(dn))
    old, mid = year < 1995, (year >= 1995) & (year < 2008)
    big, medium = dn >= 300, (dn >= 100) & (dn < 300)
    rules = [  # (condition, material): the first match wins
        (old & (dn >= 400) & (u < 0.5), "concrete"),  # pre-1995 trunk mains
        (old & big, "steel"),
        (old & medium & (u < 0.8), "cast_iron"),
        (old, "steel"),  # small galvanised service pipes
        (mid & big & (u < 0.7), "ductile_iron"),
        (mid & big, "steel"),
        (mid & medium & (u < 0.5), "PVC"),
        (mid & medium & (u < 0.9), "ductile_iron"),
        (mid & medium, "cast_iron"),
        (mid & (u < 0.7), "PVC"),
        (mid, "PE"),
        (big & (u < 0.8), "ductile_iron"),  # since 2008
        (big, "steel"),
        (medium & (u < 0.6), "PE"),
        (medium, "ductile_iron"),
    ]
    conds, picks = [c for c, _ in rules], [m for _, m in rules]
    return np.select(conds, picks, default="PE").astype(object)


def pipe_attributes(
    cls: np.ndarray,
    z: np.ndarray,
    mid: np.ndarray,
    seats: np.ndarray,
    radius: np.ndarray,
    entry_xy: np.ndarray,
    urban: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Diameter, material, install year and status of every segment.

    cls: segment classes; z: zone index per segment; mid: segment midpoints (metres);
    seats, radius, entry_xy, urban: per zone (street reach in metres, inlet node, urban flag).
    """
    m = len(cls)
    rel = np.clip(np.hypot(*(mid - seats[z]).T) / radius[z], 0, 1)  # 0 centre .. 1 edge
    from_entry = np.hypot(*(mid - entry_xy[z]).T)

    dn = np.zeros(m, dtype=np.int64)
    for c, (values, p) in DN_CHOICES.items():
        sel = cls == c
        dn[sel] = rng.choice(values, size=int(sel.sum()), p=p)
    dn[cls == DIAG] = 100
    # Mains step down with distance from the inlet; the transmission main is the largest.
    main_urban = np.select([from_entry < 1500, from_entry < 3000], [400, 300], 200)
    main_town = np.where(from_entry < 800, 200, 150)
    sel = cls == MAIN
    dn[sel] = np.where(urban[z], main_urban, main_town)[sel]
    dn[cls == CHAIN] = np.where(urban[z], 600, 300)[cls == CHAIN]

    # Older pipes near the centre (the town grew outwards), mains laid a little earlier.
    year = 1986 + 36 * rel**0.8 + rng.normal(0, 4, m) - 3 * (cls == MAIN)
    year = np.where(cls == STUB, year + rng.uniform(0, 10, m), year)
    year = np.where(cls == BLOCK, rng.integers(2019, 2024, m), year)
    year = np.where(cls == DIAG, rng.integers(2015, 2021, m), year)
    # The urban intake main dates from 1993; town mains from 2003-2012 (spread by zone index).
    chain_year = np.where(urban, 1993, 2003 + (np.arange(len(urban)) * 3) % 10)
    year = np.where(cls == CHAIN, chain_year[z], year)
    year = np.clip(np.round(year), 1985, 2025).astype(np.int64)

    status = np.full(m, "in_service", dtype=object)
    minor = (cls == DIST) | (cls == STUB)
    status[minor & (year < 1996) & (rng.random(m) < 0.12)] = "abandoned"  # replaced old mains
    planned = minor & (rel > 0.85) & (rng.random(m) < 0.08)  # extensions at the edge
    status[planned] = "planned"
    year[planned] = 2025
    material = materials(dn, year, rng)
    material[planned] = "PE"
    return {"diameter_mm": dn, "material": material, "install_year": year, "status": status}


def node_kinds(
    n: int,
    seg_nodes: np.ndarray,
    preset: dict[int, str],
    rng: np.random.Generator,
    diameter_mm: np.ndarray,
    in_service: np.ndarray,
) -> np.ndarray:
    """Kind of each of n nodes: end caps at dead ends, then the preset kinds (source, plant,
    inlet meter, deliberate problems) win; valves where a utility puts them, hydrants on the
    pipes >= DN100, a few district meters; other nodes are junctions.

    Valves: every in-service pipe between two junctions has a valve at one end at least
    (demo.pipe_sizing.valve_cover), so a burst is shut by the valves around one junction —
    GB 50013-2018 §7.5 asks for valves that divide the mains into sections for repair
    (clause text not confirmed here). Hydrants: on pipes >= DN100 only, as GB 50974-2014
    §8.1.4-8.1.5 asks of fire mains (DN100 at least; at most 5 hydrants between two valves;
    unverified); on ~HYDRANT_SHARE of the free nodes there (~100-200 m apart).
    """
    deg = np.bincount(seg_nodes.ravel(), minlength=n)
    fixed = np.zeros(n, dtype=bool)
    fixed[list(preset)] = True
    valve = valve_cover(n, seg_nodes, in_service, (deg >= 2) & ~fixed, rng)
    on_fire_main = np.zeros(n, dtype=bool)
    on_fire_main[seg_nodes[in_service & (diameter_mm >= 100)].ravel()] = True
    u = rng.random(n)
    kind = np.select(
        [
            deg == 1,
            valve,
            on_fire_main & (deg >= 2) & (u < HYDRANT_SHARE),
            (deg >= 2) & (u > 1 - METER_SHARE),
        ],
        ["end_cap", "valve", "hydrant", "meter"],
        default="junction",
    ).astype(object)
    for nid, k in preset.items():
        kind[nid] = k
    return kind
