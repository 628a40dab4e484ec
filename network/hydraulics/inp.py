"""The EPANET 2.2 input file (.inp) of a hydraulic model (pure, no Django).

Units LPS (flows L/s, lengths and heads m, diameters mm), head loss Hazen-Williams, a
demand-driven or pressure-driven analysis (see inp_text). Sections written: TITLE, JUNCTIONS,
RESERVOIRS, PIPES, PATTERNS, TIMES, OPTIONS, REPORT, COORDINATES (EPSG:4546, CGCS2000
Gauss-Krüger zone 37, metres) and END — EPANET's own format (EPANET 2.2 Users Manual,
Appendix C "Input File Format").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PATTERN_ID = "DEMAND"
# EPANET IDs: at most 31 characters, no spaces, semicolons or double quotes.
_SAFE_ID = re.compile(r"^[!-~]{1,31}$")


def epanet_id(code: str, prefix: str, pk: int) -> str:
    """The feature's code when EPANET accepts it as an ID, else prefix + database id."""
    if _SAFE_ID.match(code) and ";" not in code and '"' not in code:
        return code
    return f"{prefix}{pk}"


@dataclass(frozen=True)
class Junction:
    id: str
    elevation_m: float
    demand_lps: float
    x: float | None = None
    y: float | None = None


@dataclass(frozen=True)
class Reservoir:
    id: str
    head_m: float
    x: float | None = None
    y: float | None = None


@dataclass(frozen=True)
class Pipe:
    id: str
    node1: str
    node2: str
    length_m: float
    diameter_mm: float
    c: float
    status: str = "OPEN"


@dataclass
class HydraulicModel:
    """A network ready to write: junctions, reservoirs (fixed head), pipes, the hourly demand
    multipliers of the extended period (empty: steady state only) and a title."""

    junctions: list[Junction]
    reservoirs: list[Reservoir]
    pipes: list[Pipe]
    multipliers: list[float] = field(default_factory=list)
    title: str = "network"

    @property
    def node_count(self) -> int:
        return len(self.junctions) + len(self.reservoirs)


def _num(value: float, digits: int = 4) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def inp_text(
    model: HydraulicModel, *, hours: int = 24, required_pressure_m: float | None = None
) -> str:
    """The model as EPANET 2.2 input text. hours: the extended period's duration (0: steady
    state); the hydraulic, pattern and report time steps are one hour.

    required_pressure_m: None for a demand-driven analysis (DDA: every demand is met whatever
    the pressure, which may go far below zero where the pipes cannot carry it); a number for a
    pressure-driven one (PDA, EPANET 2.2: a node gets its full demand at this pressure, none at
    0 m, a share in between with exponent 0.5), whose pressures stay physical and whose
    delivered demand says how much of the demand the network can serve."""
    lines = ["[TITLE]", _title(model.title), ""]
    pattern = PATTERN_ID if model.multipliers else ""
    lines += ["[JUNCTIONS]", ";ID\tElev\tDemand\tPattern"]
    for j in model.junctions:
        lines.append(f"{j.id}\t{_num(j.elevation_m, 2)}\t{_num(j.demand_lps, 6)}\t{pattern}")
    lines += ["", "[RESERVOIRS]", ";ID\tHead\tPattern"]
    lines += [f"{r.id}\t{_num(r.head_m, 2)}" for r in model.reservoirs]
    lines += ["", "[PIPES]", ";ID\tNode1\tNode2\tLength\tDiameter\tRoughness\tMinorLoss\tStatus"]
    for p in model.pipes:
        lines.append(
            f"{p.id}\t{p.node1}\t{p.node2}\t{_num(p.length_m, 2)}\t{_num(p.diameter_mm, 1)}"
            f"\t{_num(p.c, 1)}\t0\t{p.status}"
        )
    lines += ["", "[PATTERNS]", ";ID\tMultipliers"]
    for start in range(0, len(model.multipliers), 6):
        chunk = model.multipliers[start : start + 6]
        lines.append(f"{PATTERN_ID}\t" + "\t".join(_num(m) for m in chunk))
    lines += [
        "",
        "[TIMES]",
        f"Duration\t{hours}:00",
        "Hydraulic Timestep\t1:00",
        "Pattern Timestep\t1:00",
        "Report Timestep\t1:00",
        "Start ClockTime\t0:00",
        "",
        "[OPTIONS]",
        "Units\tLPS",
        "Headloss\tH-W",
        *(
            ["Demand Model\tDDA"]
            if required_pressure_m is None
            else [
                "Demand Model\tPDA",
                "Minimum Pressure\t0",
                f"Required Pressure\t{_num(max(required_pressure_m, 0.1), 2)}",
                "Pressure Exponent\t0.5",
            ]
        ),
        "Trials\t200",
        "Accuracy\t0.001",
        "Unbalanced\tContinue 10",
        *([f"Pattern\t{PATTERN_ID}"] if pattern else []),
        "",
        "[REPORT]",
        "Status\tNo",
        "Summary\tNo",
        "",
        "[COORDINATES]",
        ";Node\tX-Coord\tY-Coord",
    ]
    for n in [*model.junctions, *model.reservoirs]:
        if n.x is not None and n.y is not None:
            lines.append(f"{n.id}\t{_num(n.x, 2)}\t{_num(n.y, 2)}")
    lines += ["", "[END]", ""]
    return "\n".join(lines)


def _title(text: str) -> str:
    # A title line must not open a section.
    return " ".join(text.split()).lstrip("[")[:79] or "network"
