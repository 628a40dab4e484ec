"""The demand pattern of the extended-period run: a diurnal curve scaled by a month (pure).

A user's base demand is its mean daily use of its latest year (network.analysis). In the
extended period each hour's demand is base × month factor × hour multiplier:

- month factor: the month's mean daily use ÷ the year's mean daily use, over the public-network
  users' metered consumption (consumption app; computed in selectors.py). By default the peak
  month: the network must hold its pressure on the month it is used most.
- hour multipliers: DIURNAL below, a residential-dominated curve with a morning and an evening
  peak and a night minimum, normalised to a mean of 1 so a day's volume is unchanged. Its peak
  (≈1.5) sits in the 1.2–1.6 range of the hourly variation coefficient (时变化系数 K_h) that
  Chinese design practice uses for towns (GB 50013-2018 §4.0.9 as commonly quoted; not
  confirmed against the text here: `DIURNAL_VERIFIED` is False). A metered hourly profile of
  the county's own DMA inflow should replace it when the bureau has one.
"""

from __future__ import annotations

# Hour 0 (00:00–01:00) … hour 23.
_RAW = (
    0.55, 0.45, 0.40, 0.40, 0.45, 0.65, 1.10, 1.50, 1.45, 1.20, 1.10, 1.20,
    1.30, 1.15, 1.00, 0.95, 1.00, 1.15, 1.40, 1.50, 1.35, 1.10, 0.80, 0.65,
)  # fmt: skip
DIURNAL: tuple[float, ...] = tuple(round(v * len(_RAW) / sum(_RAW), 4) for v in _RAW)
DIURNAL_VERIFIED = False


def month_factors(daily_by_month: dict[int, float]) -> dict[int, float]:
    """Each month's mean daily use ÷ the mean over the months given (1.0 each when there is no
    use at all). daily_by_month: month (1–12) → mean daily use (any unit)."""
    values = [v for v in daily_by_month.values() if v is not None]
    mean = sum(values) / len(values) if values else 0.0
    if mean <= 0:
        return dict.fromkeys(daily_by_month, 1.0)
    return {m: round(v / mean, 4) for m, v in daily_by_month.items()}


def hourly_multipliers(month_factor: float, hours: int) -> list[float]:
    """The multipliers of hours 0 … hours−1 (the diurnal curve repeats each day)."""
    return [round(month_factor * DIURNAL[h % 24], 4) for h in range(max(1, hours))]
