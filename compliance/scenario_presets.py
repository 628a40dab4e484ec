"""Named scenarios: sets of actions an official can follow, run like any scenario (nothing stored).

"road_to_90" is the county's road to the pass line: what the plan's measures would change on
the scorecard. The management lines (quota, prices, 三同时, appliances, publicity, the two
bonus items) are assumed met: what the county must add to its registers for each is in
docs/compliance.md.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PRESETS: dict[str, dict] = {
    "road_to_90": {
        "title": _("Road to 90 points"),
        "description": _(
            "Cut network losses to a corrected loss rate of 9.5 %, issue annual plans to every "
            "user that must have one, recognise water-saving enterprises up to 45 % of "
            "industry, meter all industrial and 95 % of services use, raise non-conventional "
            "water to 3 % of total use, and have the evidence of the management lines in place."
        ),
        "overrides": [
            {"type": "leakage_target", "r_bl": 9.5},
            {"type": "plan_obliged_users", "headroom": 0.1},
            {"type": "carriers", "sector": "industry", "share": 0.45},
            {"type": "carriers", "sector": "public_institution", "share": 0.55},
            {"type": "carriers", "sector": "residential", "share": 0.12},
            {"type": "metering", "sectors": ["industry"], "share": 1.0},
            {"type": "metering", "sectors": ["services", "public_institution"], "share": 0.95},
            {"type": "nonconventional_share", "share": 0.03},
            {"type": "scorecard_line", "code": "county.quota_management"},
            {"type": "scorecard_line", "code": "county.water_price_mechanism"},
            {"type": "scorecard_line", "code": "county.three_simultaneities"},
            {"type": "scorecard_line", "code": "county.water_saving_appliances"},
            {"type": "scorecard_line", "code": "county.publicity"},
            {"type": "scorecard_line", "code": "county.bonus_incentives"},
        ],
    },
}


def preset_list() -> list[dict]:
    """The named scenarios with their titles, descriptions and overrides."""
    return [
        {
            "code": code,
            "title": str(p["title"]),
            "description": str(p["description"]),
            "overrides": p["overrides"],
        }
        for code, p in PRESETS.items()
    ]
