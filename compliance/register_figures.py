"""The management lines' figures, computed from the registers (台账) of the year.

Each takes the county's inputs (CountyInput.registers: registers.selectors.registers_of_year)
and returns a Figure; None when the register holds nothing for the year (no data, listed as
"cannot be judged" with what the county must supply). Thresholds live in the indicators' data.
"""

from __future__ import annotations

from collections.abc import Callable

from compliance.evaluators import Indicators, Row
from compliance.figures import Figure, none, share
from compliance.inputs import CountyInput
from compliance.rules import fmt

# The four parts of the water-price mechanism the 2017 standard names (水价机制).
TARIFF_KINDS = {
    "tariff_residential_tiers": ("居民阶梯水价", "residential tiers"),
    "tariff_nonresidential_progressive": (
        "非居民超定额超计划累进加价",
        "non-residential over-quota / over-plan surcharges",
    ),
    "tariff_high_use_differential": ("高耗水行业差别水价", "high-use industry differential"),
    "tariff_agricultural_reform": ("农业水价综合改革", "agricultural water-price reform"),
}


def _registers(data: CountyInput) -> dict[str, list[dict]]:
    return data.registers or {}


def _docs(data: CountyInput, kind: str) -> list[dict]:
    return [d for d in _registers(data).get("documents", []) if d["kind"] == kind]


def quota_management(data: CountyInput) -> Figure:
    """Quota-checked users within their quota ÷ users checked (use of the year ÷ output), the
    quotas adopted by a document in force (else the line fails: no quota is being applied).

    details.over_quota_m3: per user over quota, the volume above quota × output (the volume an
    over-quota progressive surcharge is levied on), beside the over-plan volumes of
    user.over_plan; details.unverified_quotas: how many checks use a quota not yet verified.
    """
    checks = _registers(data).get("quota_checks", [])
    if not checks:
        return none("无用水定额核查记录", "no quota checks for the year")
    if not _docs(data, "quota_adoption"):
        return Figure(
            0.0,
            "无现行的用水定额执行文件",
            "no document in force adopting the water-use quotas",
            {"checked": len(checks)},
        )
    use = {u.id: sum(u.monthly_m3) for u in data.users}
    within, over, volumes = 0, [], {}
    for c in checks:
        used = use.get(c["user_id"], 0.0)
        allowed = c["quota_value"] * c["output_quantity"]
        if used <= allowed:
            within += 1
            continue
        volumes[c["user__code"]] = round(used - allowed, 1)
        if not c["output_quantity"]:  # water used with nothing produced: over any quota
            over.append(f"{c['user__code']} {fmt(used, 0)} m³ / 0")
        else:
            per_unit = used / c["output_quantity"]
            over.append(f"{c['user__code']} {fmt(per_unit, 2)} > {fmt(c['quota_value'], 2)}")
    f = share(
        within,
        len(checks),
        "定额内用水户/核查用水户",
        "users within their quota / users checked",
        over_quota=over,
        over_quota_m3=volumes,
        unverified_quotas=sum(1 for c in checks if not c.get("quota_verified", True)),
    )
    if not over:
        return f
    total = sum(volumes.values())
    return Figure(
        f.value,
        f"{f.basis_zh}；超定额：{'、'.join(over)}（超定额水量合计 {fmt(total, 0)} m³）",
        f"{f.basis_en}; over quota: {', '.join(over)} ({fmt(total, 0)} m³ over quota in all)",
        f.details,
    )


RESIDENTIAL_RATIOS = (1.0, 1.5, 3.0)  # 发改价格〔2013〕2676号 (unverified)
SURCHARGE_MULTIPLES = (0.5, 1.0, 2.0)  # 发改价格〔2017〕1792号 (unverified)


def _bands(data: CountyInput, kind: str, bases: tuple[str, ...]) -> list[dict]:
    """The bands of the documents of `kind` in force, on one of `bases`, by band number."""
    rows = _registers(data).get("bands", [])
    return sorted(
        (b for b in rows if b["document__kind"] == kind and b["basis"] in bases),
        key=lambda b: b["band"],
    )


def tariff_part_problem(kind: str, bands: list[dict], params: dict) -> tuple[str, str] | None:
    """Why a priced part's bands fall short (zh, en), or None when they meet the rule.

    Residential tiers: at least as many household-use bands as residential_ratios, priced at
    least ratio × the first band's price. Non-residential surcharges: at least as many
    over-quota or over-plan bands as surcharge_multiples, each adding at least its multiple.
    """
    if kind == "tariff_residential_tiers":
        ratios = [float(x) for x in params.get("residential_ratios", RESIDENTIAL_RATIOS)]
        prices = [b["price_yuan_m3"] for b in bands if b["price_yuan_m3"] is not None]
        if len(prices) < len(ratios):
            return (f"阶梯少于 {len(ratios)} 级", f"fewer than {len(ratios)} tiers")
        first = prices[0]
        for n, (price, ratio) in enumerate(zip(prices, ratios, strict=False), start=1):
            if first > 0 and price / first + 1e-9 < ratio / ratios[0]:
                return (
                    f"第 {n} 级价格 {fmt(price, 2)} 元低于首级的 {fmt(ratio, 2)} 倍",
                    f"tier {n} price {fmt(price, 2)} yuan is below {fmt(ratio, 2)}× the first",
                )
        return None
    multiples = [float(x) for x in params.get("surcharge_multiples", SURCHARGE_MULTIPLES)]
    added = [b["multiple"] for b in bands if b["multiple"] is not None]
    if len(added) < len(multiples):
        return (f"加价档次少于 {len(multiples)} 档", f"fewer than {len(multiples)} bands")
    for n, (got, need) in enumerate(zip(added, multiples, strict=False), start=1):
        if got + 1e-9 < need:
            return (
                f"第 {n} 档加价 {fmt(got, 2)} 倍低于 {fmt(need, 2)} 倍",
                f"band {n} adds {fmt(got, 2)}×, below {fmt(need, 2)}×",
            )
    return None


def reform_problem(data: CountyInput, params: dict) -> tuple[str, str] | None:
    """Why the agricultural reform falls short (zh, en), or None: the irrigated area it covers
    (each district's latest record, at most its own area) ÷ the districts' irrigated area must
    reach params agricultural_reform_share (default 1: the whole irrigated area)."""
    need = float(params.get("agricultural_reform_share", 1.0))
    registers = _registers(data)
    areas = {d["id"]: d["effective_area_mu"] or 0.0 for d in registers.get("districts", [])}
    whole = sum(areas.values())
    reformed = sum(
        min(r["reformed_area_mu"], areas.get(r["district_id"], 0.0))
        for r in registers.get("reform", [])
    )
    if whole <= 0:
        return ("无灌区面积", "no irrigated area")
    if reformed / whole + 1e-9 < need:
        return (
            f"改革面积 {fmt(reformed, 0)} 亩，占灌溉面积 {fmt(reformed / whole * 100, 1)}%，"
            f"要求 {fmt(need * 100, 0)}%",
            f"reform covers {fmt(reformed, 0)} of {fmt(whole, 0)} 亩 "
            f"({fmt(reformed / whole * 100, 1)} %), {fmt(need * 100, 0)} % required",
        )
    return None


PRICED_PARTS = {
    "tariff_residential_tiers": ("household_m3_year",),
    "tariff_nonresidential_progressive": ("over_quota_percent", "over_plan_percent"),
}


def water_price_mechanism(data: CountyInput, params: dict | None = None) -> Figure:
    """The mechanism's parts in force in the year ÷ 4 (TARIFF_KINDS); the two priced parts
    count only when their bands meet tariff_part_problem's rule, the agricultural reform only
    when it covers the irrigated area reform_problem asks."""
    params = params or {}
    docs = _registers(data).get("documents", [])
    if not docs:
        return none("无水价文件台账", "no tariff documents")
    have = {d["kind"] for d in docs} & set(TARIFF_KINDS)
    short: dict[str, tuple[str, str]] = {}
    for kind, bases in PRICED_PARTS.items():
        if kind in have:
            problem = tariff_part_problem(kind, _bands(data, kind, bases), params)
            if problem is not None:
                short[kind] = problem
    if "tariff_agricultural_reform" in have:
        problem = reform_problem(data, params)
        if problem is not None:
            short["tariff_agricultural_reform"] = problem
    met = have - set(short)
    missing = [k for k in TARIFF_KINDS if k not in have]
    f = share(len(met), len(TARIFF_KINDS), "已实施的水价机制/应实施", "parts in force / parts")
    if not missing and not short:
        return f
    zh = [f"{f.basis_zh}"]
    en = [f"{f.basis_en}"]
    if missing:
        zh.append(f"未实施：{'、'.join(TARIFF_KINDS[k][0] for k in missing)}")
        en.append(f"missing: {', '.join(TARIFF_KINDS[k][1] for k in missing)}")
    for kind, (why_zh, why_en) in short.items():
        zh.append(f"{TARIFF_KINDS[kind][0]}不符合要求（{why_zh}）")
        en.append(f"{TARIFF_KINDS[kind][1]} short of the rule ({why_en})")
    return Figure(
        f.value,
        "；".join(zh),
        "; ".join(en),
        {**f.details, "missing": missing, "short": sorted(short)},
    )


def three_simultaneities(data: CountyInput, window_years: int) -> Figure:
    """Projects approved in the last `window_years` years whose water-saving assessment was
    done and facilities designed, built and commissioned with the project ÷ those projects."""
    first = data.year - window_years + 1
    projects = [p for p in _registers(data).get("projects", []) if p["approved_on"].year >= first]
    ok = [
        p
        for p in projects
        if p["assessment_done"]
        and p["designed_with"]
        and p["built_with"]
        and p["commissioned_with"]
    ]
    bad = [p["name"] for p in projects if p not in ok]
    f = share(
        len(ok),
        len(projects),
        f"落实“三同时”的项目/{first}–{data.year} 年审批项目",
        f"projects with the three simultaneities / projects approved {first}–{data.year}",
        failing=bad,
    )
    if not bad or f.value is None:
        return f
    return Figure(
        f.value,
        f"{f.basis_zh}；未落实：{'、'.join(bad)}",
        f"{f.basis_en}; not met: {', '.join(bad)}",
        f.details,
    )


def water_saving_appliances(data: CountyInput) -> Figure:
    """Water-saving fixtures ÷ fixtures checked in the year's surveys of public buildings;
    banned products found in market inspections are reported beside it."""
    surveys = _registers(data).get("surveys", [])
    public = [s for s in surveys if s["place"] == "public_building"]
    banned = sum(s["banned_found"] or 0 for s in surveys if s["place"] == "market")
    f = share(
        sum(s["fixtures_water_saving"] for s in public),
        sum(s["fixtures_checked"] for s in public),
        "公共建筑节水器具/抽查器具",
        "water-saving fixtures / fixtures checked in public buildings",
        surveys=len(public),
        banned_found=banned,
    )
    if f.value is None or not banned:
        return f
    return Figure(
        f.value,
        f"{f.basis_zh}；市场抽检发现淘汰产品 {banned} 件",
        f"{f.basis_en}; market inspections found {banned} banned products",
        f.details,
    )


def publicity(data: CountyInput) -> Figure:
    """Publicity and education events held in the year (count), with the people reached."""
    events = _registers(data).get("events", [])
    if not events:
        return none("无节水宣传活动记录", "no publicity events recorded")
    reach = sum(e["reach_persons"] or 0 for e in events)
    kinds = sorted({e["kind"] for e in events})
    return Figure(
        float(len(events)),
        f"节水宣传教育活动 {len(events)} 次，覆盖 {fmt(reach, 0)} 人次",
        f"{len(events)} publicity events reaching {fmt(reach, 0)} people",
        {"events": len(events), "reach_persons": reach, "kinds": kinds},
    )


def _documents_count(data: CountyInput, kind: str, zh: str, en: str) -> Figure:
    docs = _docs(data, kind)
    if not _registers(data).get("documents"):
        return none("无文件台账", "no documents registered")
    titles = [d["title"] for d in docs]
    return Figure(
        float(len(docs)),
        f"{zh} {len(docs)} 件" + (f"：{'、'.join(titles)}" if titles else ""),
        f"{len(docs)} {en}" + (f": {', '.join(titles)}" if titles else ""),
        {"documents": [d["doc_number"] for d in docs]},
    )


def key_user_monitoring(data: CountyInput, line_m3: float) -> Figure:
    """Users whose use of the year reaches the key-user line (line_m3) that are on a key-user
    list with online monitoring ÷ users over the line."""
    listed = {}
    for k in _registers(data).get("key_users", []):
        listed.setdefault(k["user_id"], set()).add(k["monitoring"])
    big = [u for u in data.users if sum(u.monthly_m3) >= line_m3]
    online = [u for u in big if "online" in listed.get(u.id, set())]
    missing = [u.code for u in big if u.id not in listed]
    f = share(
        len(online),
        len(big),
        "在线监控的重点用水单位/达到重点监控标准的用水户",
        "key users monitored online / users over the key-user line",
        not_listed=missing,
    )
    if f.value is None or not missing:
        return f
    return Figure(
        f.value,
        f"{f.basis_zh}；未列入名录：{'、'.join(missing)}",
        f"{f.basis_en}; not listed: {', '.join(missing)}",
        f.details,
    )


def resource_levy_collection(data: CountyInput, tolerance_yuan: float = 1.0) -> Figure:
    """应收尽收: liable users whose levy was collected in full ÷ liable users.

    Liable: a self-supplied (surface or groundwater), non-residential user that used water in
    the year. Collected in full: a levy record of the year whose collection covers the volume
    used at its rate, max(assessed, used) × rate, within tolerance_yuan (an assessment below
    the use is under-assessed: the difference is due too). details: unassessed users (liable,
    no record), short (user: shortfall in yuan), due_yuan and collected_yuan over the records.
    """
    levies = {x["holder_id"]: x for x in _registers(data).get("levies", [])}
    liable = [
        u
        for u in data.users
        if u.source in ("surface", "groundwater")
        and u.sector != "residential"
        and sum(u.monthly_m3) > 0
    ]
    unassessed, short, full = [], {}, 0
    due_total = collected_total = 0.0
    for u in liable:
        levy = levies.get(u.id)
        if levy is None:
            unassessed.append(u.code)
            continue
        due = max(levy["assessed_m3"], sum(u.monthly_m3)) * levy["rate_yuan_m3"]
        due_total += due
        collected_total += levy["collected_yuan"]
        if levy["collected_yuan"] + tolerance_yuan >= due:
            full += 1
        else:
            short[u.code] = round(due - levy["collected_yuan"], 2)
    f = share(
        full,
        len(liable),
        "足额征收的取用水户/应征收的自备水源取用水户",
        "self-supplied users whose levy was collected in full / liable users",
        unassessed=unassessed,
        short_yuan=short,
        due_yuan=round(due_total, 2),
        collected_yuan=round(collected_total, 2),
    )
    if f.value is None or not (unassessed or short):
        return f
    gap = sum(short.values())
    return Figure(
        f.value,
        f"{f.basis_zh}；未征收：{len(unassessed)} 户；欠征 {len(short)} 户共 {fmt(gap, 0)} 元",
        f"{f.basis_en}; not assessed: {len(unassessed)}; short: {len(short)} users, "
        f"{fmt(gap, 0)} yuan",
        f.details,
    )


Figures = Callable[[CountyInput, list[Row], Indicators], Figure]
REGISTER_FIGURES: dict[str, Figures] = {
    "county.quota_management": lambda d, r, i: quota_management(d),
    "county.water_price_mechanism": lambda d, r, i: water_price_mechanism(
        d, i["county.water_price_mechanism"].params
    ),
    "county.three_simultaneities": lambda d, r, i: three_simultaneities(
        d, int(i["county.three_simultaneities"].params.get("window_years", 3))
    ),
    "county.water_saving_appliances": lambda d, r, i: water_saving_appliances(d),
    "county.publicity": lambda d, r, i: publicity(d),
    "county.bonus_benchmark": lambda d, r, i: _documents_count(
        d, "benchmark_recognition", "节水标杆认定", "benchmark recognitions"
    ),
    "county.bonus_incentives": lambda d, r, i: _documents_count(
        d, "incentive_policy", "节水激励政策文件", "incentive policies in force"
    ),
    "county.key_user_monitoring": lambda d, r, i: key_user_monitoring(
        d, float(i["user.key_monitored"].threshold or 500_000)
    ),
    "county.resource_levy_collection": lambda d, r, i: resource_levy_collection(
        d, float(i["county.resource_levy_collection"].params.get("tolerance_yuan", 1.0))
    ),
}
# The data versions (registers' record kinds) each line reads; compliance.dependencies uses them.
REGISTER_KEYS: dict[str, tuple[str, ...]] = {
    "county.quota_management": ("quota-checks", "water-quotas", "policy-documents"),
    "county.water_price_mechanism": (
        "policy-documents",
        "tariff-bands",
        "agricultural-price-reform",
        "irrigation-districts",
    ),  # fmt: skip
    "county.three_simultaneities": ("construction-projects",),
    "county.water_saving_appliances": ("appliance-surveys",),
    "county.publicity": ("publicity-events",),
    "county.bonus_benchmark": ("policy-documents",),
    "county.bonus_incentives": ("policy-documents",),
    "county.key_user_monitoring": ("key-users",),
    "county.resource_levy_collection": ("resource-levies",),
}
