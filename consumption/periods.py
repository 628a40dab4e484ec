"""Periods of consumption, one convention for the whole app: half-open [start, end), where
`start` is the first month (its first day) and `end` the first day after the period."""

from __future__ import annotations

import datetime as dt


def year_period(year: int) -> dict[str, dt.date]:
    """The query parameters `start` and `end` of a calendar year."""
    return {"start": dt.date(year, 1, 1), "end": dt.date(year + 1, 1, 1)}


def monthly_volumes_sql(user_alias: str) -> str:
    """SQL: the array of a user's monthly volumes (m³, 0 where none was recorded) over the
    period %(start)s..%(end)s (half-open), one element per month in order.

    user_alias: the alias of the water-user row in the caller's query (an identifier).
    """
    if not user_alias.isidentifier():
        raise ValueError(f"not an alias: {user_alias!r}")
    return (
        "ARRAY(SELECT coalesce(sum(c.volume_m3), 0) "  # noqa: S608 - an alias, values are params
        "FROM generate_series(%(start)s::date, %(end)s::date - 1, interval '1 month') AS m(month) "
        f"LEFT JOIN layers_consumption c ON c.user_id = {user_alias}.id "
        "AND c.month = m.month::date GROUP BY m.month ORDER BY m.month)"
    )
