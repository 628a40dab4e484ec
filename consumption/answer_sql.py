"""The zone answer's figures in SQL: derived from a grid cell's sums, rounded as Python rounds.

consumption/sql.py's statement ends with these columns (consumption.columns.columns_for gives
their order and digits), so the API can send the database's rows as they are. Builds SQL text
only (no values; a period's months and days are parameters).
"""

from __future__ import annotations

from consumption.columns import columns_for
from consumption.params import ConsumptionQuery

# Each answer column from the cell's sums `r` (float8 arithmetic; a ratio over 0 or null is
# null); {months}: the months a plan covers per row, {days}: the days a population covers.
DERIVED = {
    "zone_code": "r.zone_code",
    "zone_name": "r.zone_name",
    "month": "r.month",
    "sector": "r.sector",
    "volume_m3": "r.volume_m3",
    "users_volume_m3": "r.users_volume_m3",
    "irrigation_volume_m3": "r.irrigation_volume_m3",
    "planned_users_volume_m3": "r.planned_users_volume_m3",
    "plan_m3": "r.annual_plan_m3 * {months} / 12",
    "plan_used_percent": (
        "r.planned_users_volume_m3 / NULLIF(r.annual_plan_m3 * {months} / 12, 0) * 100"
    ),
    # Caps cover the users outside CAP_EXCLUDED_SECTORS; per-capita use, the users (the
    # irrigation districts' withdrawals feed fields, not people).
    "cap_m3": "r.cap_m3",
    "capped_volume_m3": "r.capped_volume_m3",
    "cap_used_percent": "r.capped_volume_m3 / NULLIF(r.cap_m3, 0) * 100",
    "population": "r.person_days / {days}",
    "per_capita_l_per_day": "r.users_volume_m3 * 1000 / NULLIF(r.person_days, 0)",
    "gdp_10k_yuan": "r.gdp_10k_yuan",
    "per_10k_gdp_m3": "r.volume_m3 / NULLIF(r.gdp_10k_yuan, 0)",
    "previous_volume_m3": "r.previous_volume_m3",
    "change_percent": (
        "(r.volume_m3 - r.previous_volume_m3) / NULLIF(r.previous_volume_m3, 0) * 100"
    ),
}
_MONTH_DAYS = "extract(day FROM r.month_key + interval '1 month' - interval '1 day')::float8"


_SPLIT = "134217729::float8"  # 2**27 + 1: Dekker's split of a float8 into two halves


def round_sql(value: str, digits: int | None) -> str:
    """A float8 column rounded to `digits` decimals exactly as Python's round(value, digits):
    the exact value × 10**digits rounded to an integer, ties to even, ÷ 10**digits; 0 digits:
    an integer. y = value × s is rounded; only when y falls on a half is the exact product
    needed: its error e (Dekker's two-product; s < 2**26 needs no split) tells whether the
    exact value lies above, below or on the half. Float arithmetic, not numeric: converting
    every figure to numeric and back costs more than the rest of the statement."""
    if digits is None:
        return value
    s = f"{10**digits}::float8"
    y = f"({value} * {s})"
    high = f"({value} * {_SPLIT} - ({value} * {_SPLIT} - {value}))"
    error = f"(({high} * {s} - {y}) + ({value} - {high}) * {s})"
    integer = (
        f"CASE WHEN {y} - floor({y}) <> 0.5 THEN round({y}) WHEN {error} > 0 THEN ceil({y}) "
        f"WHEN {error} < 0 THEN floor({y}) ELSE round({y}) END"
    )
    if digits == 0:
        return f"({integer})::bigint"
    return f"({integer}) / {s}"


def derived_columns(q: ConsumptionQuery, stats: bool) -> tuple[str, str]:
    """The answer's columns (consumption.columns.columns_for): their values computed from
    `r` (float8), and those values rounded to their digits from `v`."""
    fill = {
        "months": "1" if "month" in q.group_by else "%(period_months)s::float8",
        "days": _MONTH_DAYS if "month" in q.group_by else "%(period_days)s::float8",
    }
    columns = columns_for(q.group_by, stats=stats, compare=bool(q.compare))
    values = ", ".join(f"{DERIVED[c.key].format(**fill)} AS {c.key}" for c in columns)
    rounded = ", ".join(f"{round_sql(f'v.{c.key}', c.digits)} AS {c.key}" for c in columns)
    return values, rounded
