"""The demo's management registers (台账): documents, quota checks, projects, surveys, events.

Invented but consistent with the rest of the demo: quota checks use the users' own yearly
consumption (output = use ÷ (quota × how efficiently the user works)), projects sit in real
towns. The story they tell for the scorecard (2017 standard):
* quotas adopted (2021) and checked on the 14 largest planned users; two over quota in
  2023-2024 (12/14 < 90 % within), one in 2025 (13/14: the line is met);
* water prices: residential tiers (2019), non-residential surcharges (2021), agricultural
  reform (2024), but no differential price for high-use industries: the line fails;
* 三同时: two projects approved without a water-saving assessment: the line fails;
* appliances: 91-97 % water-saving fixtures in public buildings (the line asks 100 %);
* publicity: 5-7 events a year: met; an incentive policy from 2025 (bonus), no benchmark.
"""

from __future__ import annotations

import numpy as np

from demo.common import COUNTY_CODE, YEARS, rng_for
from demo.towns import TOWNS
from demo.users import Users
from demo.water import IRRIGATION_DISTRICTS

POLICY_HEADER = (
    "area_code",
    "doc_number",
    "title",
    "kind",
    "issuer",
    "issued_on",
    "effective_from",
    "effective_to",
)
POLICY_DOCUMENTS = (
    (
        "连水〔2019〕12号",
        "连州市城镇居民生活用水阶梯水价实施方案",
        "tariff_residential_tiers",
        "连州市发展和改革局",
        "2019-05-20",
        "2019-07-01",
    ),
    (
        "连发改价〔2021〕8号",
        "连州市非居民用水超定额超计划累进加价实施办法",
        "tariff_nonresidential_progressive",
        "连州市发展和改革局",
        "2021-08-16",
        "2021-10-01",
    ),
    (
        "连水〔2021〕35号",
        "关于执行《广东省用水定额》（DB44/T 1461-2021）的通知",
        "quota_adoption",
        "连州市水利局",
        "2021-11-22",
        "2021-12-01",
    ),
    (
        "连府办〔2024〕21号",
        "连州市农业水价综合改革实施方案",
        "tariff_agricultural_reform",
        "连州市人民政府办公室",
        "2024-04-10",
        "2024-05-01",
    ),
    (
        "连府〔2025〕5号",
        "连州市节约用水奖励办法（试行）",
        "incentive_policy",
        "连州市人民政府",
        "2025-02-18",
        "2025-03-01",
    ),
)

QUOTA_TABLE_HEADER = (
    "area_code", "code", "sector", "item", "unit", "value", "standard", "clause", "verified",
)  # fmt: skip
# The quotas the county applies: items of the three parts of the Guangdong standard with the
# order of magnitude of their values. The published tables could not be consulted here, so
# every value is a demo value, unverified (verified=false), clause "待核".
_Q = "待核（演示值）"
QUOTAS = (
    # code suffix, sector, item, unit, value, standard
    ("A-RICE", "agriculture", "水稻灌溉（粤北，50%保证率）", "m³/亩", 600.0, "DB44/T 1461.1-2021"),
    ("A-VEG", "agriculture", "蔬菜灌溉（粤北，50%保证率）", "m³/亩", 400.0, "DB44/T 1461.1-2021"),
    ("A-FRUIT", "agriculture", "果树灌溉（粤北，50%保证率）", "m³/亩", 350.0, "DB44/T 1461.1-2021"),
    ("C2221", "industry", "机制纸及纸板（通用值）", "m³/t", 25.0, "DB44/T 1461.2-2021"),
    ("C3011", "industry", "水泥（通用值）", "m³/t", 0.35, "DB44/T 1461.2-2021"),
    ("C1713", "industry", "棉印染布（通用值）", "m³/100m", 2.5, "DB44/T 1461.2-2021"),
    ("C-GEN", "industry", "工业产品（综合，按产值）", "m³/万元", 18.0, "DB44/T 1461.2-2021"),
    ("H-3STAR", "services", "宾馆（三星级）", "m³/(床·a)", 150.0, "DB44/T 1461.3-2021"),
    ("Q-HOSP", "services", "医院（综合）", "m³/(床·a)", 280.0, "DB44/T 1461.3-2021"),
    ("P-SCHOOL", "services", "中小学（走读）", "m³/(人·a)", 10.0, "DB44/T 1461.3-2021"),
    ("S-OFFICE", "services", "机关办公楼", "m³/(人·a)", 18.0, "DB44/T 1461.3-2021"),
    ("R-URBAN", "domestic", "城镇居民生活", "L/(人·d)", 160.0, "DB44/T 1461.3-2021"),
)


def quota_code(suffix: str) -> str:
    return f"{COUNTY_CODE}-{suffix}"


def quota_table_rows() -> list[list[str]]:
    return [
        [COUNTY_CODE, quota_code(sfx), sector, item, unit, f"{value:g}", std, _Q, "false"]
        for sfx, sector, item, unit, value, std in QUOTAS
    ]


QUOTA_HEADER = ("user_code", "year", "quota_code", "output_quantity")
# The quota a checked user is held to: by a keyword of its name, else by its sector.
QUOTA_BY_SECTOR = {"industry": "C-GEN", "services": "H-3STAR", "public_institution": "Q-HOSP"}
QUOTA_BY_NAME = {"造纸": "C2221", "水泥": "C3011", "纺织": "C1713"}
_VALUES = {sfx: value for sfx, _sector, _item, _unit, value, _std in QUOTAS}
CHECKED_PER_YEAR = 14  # users checked each year (the largest planned users)
OVER_QUOTA = {2023: 2, 2024: 2, 2025: 1}  # how many of them exceed their quota

PROJECT_HEADER = (
    "area_code",
    "code",
    "name",
    "kind",
    "approved_on",
    "assessment_done",
    "designed_with",
    "built_with",
    "commissioned_with",
    "accepted_on",
)
# (town index, name, kind, approved on, assessment done, facilities with the project)
PROJECTS = (
    (0, "连州市第二水厂扩建工程", "expanded", "2021-03-15", True, True),
    (0, "连州市人民医院新院区", "new", "2022-06-08", True, True),
    (0, "连州市城北学校", "new", "2023-02-20", True, True),
    (0, "连州华泰造纸有限公司技改项目", "rebuilt", "2023-09-12", False, True),
    (1, "星子镇农产品加工园", "new", "2023-05-30", True, True),
    (7, "东陂镇卫生院改扩建", "expanded", "2024-03-18", True, True),
    (0, "连州市体育中心游泳馆", "new", "2024-07-02", True, False),
    (4, "西岸镇污水管网提质工程", "rebuilt", "2024-10-25", True, True),
    (0, "连州市粤北大酒店改造", "rebuilt", "2025-01-14", True, True),
    (8, "九陂镇水泥厂节水改造", "rebuilt", "2025-04-21", True, True),
    (5, "保安镇中心小学", "new", "2025-06-30", False, True),
)

SURVEY_HEADER = (
    "area_code",
    "surveyed_on",
    "place",
    "sites",
    "fixtures_checked",
    "fixtures_water_saving",
    "banned_found",
    "action_taken",
)
PUBLIC_SAVING_SHARE = {2023: 0.91, 2024: 0.95, 2025: 0.97}

EVENT_HEADER = ("area_code", "held_on", "title", "kind", "audience", "reach_persons")
EVENTS_BY_YEAR = {
    2023: (
        ("03-22", "世界水日·中国水周主题宣传", "campaign", "市民", 3200),
        ("05-14", "城市节约用水宣传周", "campaign", "市民", 2600),
        ("06-09", "节水进校园：连州中学", "school", "师生", 1500),
        ("09-20", "节水进社区：城南社区", "community", "居民", 800),
        ("11-08", "用水计划管理培训班", "training", "重点用水单位", 120),
    ),
    2024: (
        ("03-22", "世界水日·中国水周主题宣传", "campaign", "市民", 3500),
        ("05-12", "城市节约用水宣传周", "campaign", "市民", 2900),
        ("06-05", "节水进校园：星子中学", "school", "师生", 1200),
        ("08-16", "《连州日报》节水专栏", "media", "读者", 12000),
        ("10-11", "节水进社区：北湖社区", "community", "居民", 900),
        ("11-20", "节水型单位创建培训", "training", "公共机构", 150),
    ),
    2025: (
        ("03-22", "世界水日·中国水周主题宣传", "campaign", "市民", 3800),
        ("05-11", "城市节约用水宣传周", "campaign", "市民", 3100),
        ("05-28", "节水进校园：城北学校", "school", "师生", 1600),
        ("07-15", "节水知识网络竞答", "media", "网民", 15000),
        ("09-17", "节水进社区：东陂镇", "community", "居民", 700),
        ("10-24", "农业节水灌溉技术培训", "training", "灌区管理人员", 180),
        ("12-03", "节水进机关：市直单位", "community", "机关干部", 400),
    ),
}


def policy_rows() -> list[list[str]]:
    """The county's documents in force (tariffs, quota adoption, incentives)."""
    return [[COUNTY_CODE, *doc, ""] for doc in POLICY_DOCUMENTS]


def quota_rows(users: Users, annual: np.ndarray, seed: int) -> list[list[str]]:
    """Each year, the CHECKED_PER_YEAR largest planned users of the quota sectors: output such
    that use ÷ output is 80-95 % of the quota, or 108-125 % for OVER_QUOTA of them (the
    cement works WU000002 first)."""
    rng = rng_for(seed, "quota-checks")
    eligible = np.flatnonzero(np.isin(users.sector, list(QUOTA_BY_SECTOR)) & ~np.isnan(users.plan))
    chosen = eligible[np.argsort(-annual[eligible].sum(axis=1))][:CHECKED_PER_YEAR]
    rows = []
    for k, year in enumerate(YEARS):
        over = set(chosen[1 : 1 + OVER_QUOTA[year]].tolist())  # chosen[0]: the paper mill
        for i in sorted(chosen.tolist()):
            sfx = next(
                (v for word, v in QUOTA_BY_NAME.items() if word in users.name[i]),
                QUOTA_BY_SECTOR[users.sector[i]],
            )
            ratio = rng.uniform(1.08, 1.25) if i in over else rng.uniform(0.8, 0.95)
            output = annual[i, k] / (_VALUES[sfx] * ratio)
            rows.append([users.code[i], str(year), quota_code(sfx), f"{output:.1f}"])
    return rows


def project_rows() -> list[list[str]]:
    """Projects with their 三同时 record; accepted a year after approval when done."""
    rows = []
    for n, (town, name, kind, approved, assessed, with_project) in enumerate(PROJECTS, start=1):
        accepted = f"{int(approved[:4]) + 1}{approved[4:]}" if int(approved[:4]) < 2025 else ""
        flag = "true" if with_project else "false"
        rows.append(
            [
                TOWNS[town].code,
                f"XM{approved[:4]}{n:02d}",
                name,
                kind,
                approved,
                "true" if assessed else "false",
                "true",
                flag,
                flag,
                accepted if with_project else "",
            ]
        )
    return rows


def survey_rows(seed: int) -> list[list[str]]:
    """Per year: public-building surveys in the county seat and 星子镇, homes, a market check."""
    rng = rng_for(seed, "appliance-surveys")
    rows = []
    for year in YEARS:
        for town, day in ((0, "04-18"), (1, "04-25")):
            checked = int(rng.integers(300, 420))
            saving = round(checked * PUBLIC_SAVING_SHARE[year])
            sites = int(rng.integers(18, 30))
            rows.append(
                [TOWNS[town].code, f"{year}-{day}", "public_building", str(sites),
                 str(checked), str(saving), "", "限期更换非节水器具"]
            )  # fmt: skip
        homes = int(rng.integers(200, 260))
        rows.append(
            [TOWNS[0].code, f"{year}-06-12", "residential", "60", str(homes),
             str(round(homes * rng.uniform(0.72, 0.82))), "", ""]
        )  # fmt: skip
        banned = int(rng.integers(0, 4))
        rows.append(
            [TOWNS[0].code, f"{year}-09-06", "market", "15", "0", "0", str(banned),
             "下架淘汰产品并立案查处" if banned else "未发现淘汰产品"]
        )  # fmt: skip
    return rows


def event_rows() -> list[list[str]]:
    """Publicity and education events of each year."""
    return [
        [COUNTY_CODE, f"{year}-{day}", title, kind, audience, str(reach)]
        for year, events in EVENTS_BY_YEAR.items()
        for day, title, kind, audience, reach in events
    ]


PERMIT_HEADER = (
    "user_code",
    "permit_number",
    "source",
    "intake_lon",
    "intake_lat",
    "permitted_m3",
    "purpose",
    "valid_from",
    "valid_to",
    "monitored",
)
PERMIT_PURPOSE = {
    "agriculture": "农业灌溉与养殖",
    "industry": "工业生产",
    "services": "服务业经营",
    "public_institution": "公共机构生活",
    "ecological": "生态补水",
}
PERMIT_YEARS = 5  # a permit's usual term (the regulations allow at most 10 years)
# Planted: three self-supplied users withdraw without a permit; the cement works' permit
# (600,000 m3, as its plan) is exceeded every year; one permit lapses mid-2024 unrenewed;
# about one intake in 25 has no monitoring point.
PERMITLESS, LAPSED = 3, 1
UNMONITORED_SHARE = 0.04
# The designed self-supplied users (index in SPECIAL_USERS) and their permitted volume (m3):
# the paper mill within it, the cement works over it.
SPECIAL_USER_PERMITS = {0: 1_500_000.0, 1: 600_000.0}


def permit_rows(users: Users, annual: np.ndarray, seed: int) -> list[list[str]]:
    """Permits of the self-supplied, non-residential users (household wells need none)."""
    rng = rng_for(seed, "permits")
    holders = np.flatnonzero(
        np.isin(users.source, ("surface", "groundwater")) & (users.sector != "residential")
    )
    designed = [i for i in holders if i in SPECIAL_USER_PERMITS]
    others = rng.permutation([i for i in holders if i not in SPECIAL_USER_PERMITS])
    skip = set(others[:PERMITLESS].tolist())
    lapsed = set(others[PERMITLESS : PERMITLESS + LAPSED].tolist())
    rows = []
    for n, i in enumerate([*designed, *sorted(set(others.tolist()) - skip)], start=1):
        start = int(rng.integers(2021, 2024))  # 5-year terms covering 2023-2025
        valid_from, valid_to = f"{start}-01-01", f"{start + PERMIT_YEARS - 1}-12-31"
        permitted = np.ceil(annual[i].max() * rng.uniform(1.1, 1.3) / 1000) * 1000
        if i in SPECIAL_USER_PERMITS:
            permitted = SPECIAL_USER_PERMITS[i]
            valid_from, valid_to = "2022-01-01", "2026-12-31"
        if i in lapsed:
            valid_from, valid_to = "2019-07-01", "2024-06-30"
        lon, lat = users.lonlat[i]
        monitored = i in SPECIAL_USER_PERMITS or rng.random() >= UNMONITORED_SHARE
        rows.append(
            [
                users.code[i],
                f"取水(粤清连)字[{valid_from[:4]}]第{n:04d}号",
                users.source[i],
                f"{lon:.5f}",
                f"{lat:.5f}",
                f"{permitted:.0f}",
                PERMIT_PURPOSE.get(users.sector[i], ""),
                valid_from,
                valid_to,
                "true" if monitored else "false",
            ]
        )
    return rows


KEY_USER_HEADER = ("user_code", "tier", "listed_on", "monitoring")
# The two designed users over 500,000 m3 a year: the paper mill on the provincial list with
# online monitoring, the cement works on the city list, read by hand (the line fails: 1 of 2).
KEY_USERS = (
    ("WU000001", "provincial", "2019-06-01", "online"),
    ("WU000002", "city", "2021-03-01", "manual"),
)


def key_user_rows() -> list[list[str]]:
    """The key monitored users' listings."""
    return [list(row) for row in KEY_USERS]


LEVY_HEADER = ("user_code", "year", "assessed_m3", "rate_yuan_m3", "collected_yuan")
# Water-resource fee (tax from 2025) rates by source, yuan/m³: demo values of the right order.
LEVY_RATES = {"surface": 0.12, "groundwater": 0.20}
# Per year: holders assessed below their use (85 %), and holders who paid only 60 % of the due.
UNDER_ASSESSED = {2023: 3, 2024: 0, 2025: 0}
SHORT_PAID = {2023: 2, 2024: 2, 2025: 1}


def levy_rows(users: Users, annual: np.ndarray, permits: list[list[str]], seed: int) -> list:
    """A levy a year for every permit holder (users without a permit are never assessed: the
    line fails for them). Assessed on the year's use rounded up to 10 m³ and collected in full,
    except UNDER_ASSESSED holders (85 % of the use assessed and collected) and SHORT_PAID ones
    (60 % of the due collected)."""
    rng = rng_for(seed, "levies")
    index = {code: i for i, code in enumerate(users.code)}
    holders = sorted({index[row[0]] for row in permits})
    rows = []
    for k, year in enumerate(YEARS):
        picked = rng.permutation(holders)
        under = set(picked[: UNDER_ASSESSED[year]].tolist())
        short = set(picked[UNDER_ASSESSED[year] : UNDER_ASSESSED[year] + SHORT_PAID[year]].tolist())
        for i in holders:
            used = float(annual[i, k])
            if used <= 0:
                continue
            rate = LEVY_RATES[users.source[i]]
            assessed = np.floor(used * 0.85) if i in under else np.ceil((used + 1) / 10) * 10
            collected = assessed * rate * (0.6 if i in short else 1.0)
            rows.append(
                [users.code[i], str(year), f"{assessed:.0f}", f"{rate:g}", f"{collected:.2f}"]
            )
    return rows


BAND_HEADER = (
    "area_code", "doc_number", "band", "basis", "lower", "upper", "price_yuan_m3", "multiple",
)  # fmt: skip
# Residential tiers by household use a year (216 / 300 m³, prices 1 : 1.5 : 3) and the
# non-residential surcharge bands over quota or plan (≤ 20 %, 20-40 %, > 40 %: +0.5, +1, +2 ×).
TARIFF_BANDS = (
    ("连水〔2019〕12号", 1, "household_m3_year", 0, 216, 2.10, None),
    ("连水〔2019〕12号", 2, "household_m3_year", 216, 300, 3.15, None),
    ("连水〔2019〕12号", 3, "household_m3_year", 300, None, 6.30, None),
    ("连发改价〔2021〕8号", 1, "over_quota_percent", 0, 20, None, 0.5),
    ("连发改价〔2021〕8号", 2, "over_quota_percent", 20, 40, None, 1.0),
    ("连发改价〔2021〕8号", 3, "over_quota_percent", 40, None, None, 2.0),
)


def band_rows() -> list[list[str]]:
    def cell(v) -> str:
        return "" if v is None else f"{v:g}"

    return [
        [COUNTY_CODE, doc, str(band), basis, cell(lo), cell(hi), cell(price), cell(mult)]
        for doc, band, basis, lo, hi, price, mult in TARIFF_BANDS
    ]


CARRIER_HEADER = (
    "user_code", "kind", "recognised_on", "standard", "certificate", "balance_test_on",
    "revoked_on",
)  # fmt: skip
# The standard each kind of carrier is judged by (the county plan, 重点任务（四）4).
CARRIER_STANDARDS = {
    "enterprise": "GB/T 7119 节水型企业评价导则",
    "institution": "粤水资源〔2014〕11号 广东省公共机构节水型单位建设标准",
    "community": "节水型居民小区评价规范",
}
CARRIER_PREFIX = {"enterprise": "QY", "institution": "GJ", "community": "XQ"}


def carrier_rows(users: Users, carrier: np.ndarray, year: np.ndarray, seed: int) -> list:
    """A recognition per carrier (demo.users.assign_carriers) in its year, with a certificate
    and, for enterprises and institutions, the water-balance test some months before."""
    rng = rng_for(seed, "carrier-recognitions")
    rows = []
    for i in np.flatnonzero(carrier != ""):
        kind, y = carrier[i], int(year[i])
        month = int(rng.integers(3, 12))
        tested = f"{y}-{month - 2:02d}-10" if kind != "community" else ""
        rows.append(
            [
                users.code[i], kind, f"{y}-{month:02d}-15", CARRIER_STANDARDS[kind],
                f"连节水{CARRIER_PREFIX[kind]}〔{y}〕{len(rows) + 1:03d}号", tested, "",
            ]
        )  # fmt: skip
    return rows


NONCONVENTIONAL_HEADER = ("user_code", "year", "kind", "volume_m3")
RAIN_USERS, RAIN_FROM = 6, 2024  # schools and offices harvesting rain since 2024


def nonconventional_rows(users: Users, seed: int) -> list[list[str]]:
    """Harvested rainwater of RAIN_USERS public institutions from RAIN_FROM (800-3,000 m³ a
    year each); the county's non-conventional statistic adds it to the plants' reclaimed
    water (demo.generator)."""
    rng = rng_for(seed, "rainwater")
    members = np.flatnonzero(users.sector == "public_institution")
    chosen = sorted(rng.choice(members, min(RAIN_USERS, len(members)), replace=False).tolist())
    return [
        [users.code[i], str(year), "rainwater", f"{rng.uniform(800, 3000):.0f}"]
        for year in YEARS
        if year >= RAIN_FROM
        for i in chosen
    ]


DISTRICT_QUOTA_HEADER = ("district_code", "from_year", "quota_code")
CROP_QUOTAS = {"rice": "A-RICE", "vegetables": "A-VEG", "fruit": "A-FRUIT"}
QUOTAS_FROM = 2021  # the year the county adopted DB44/T 1461-2021 (连水〔2021〕35号)


def district_quota_rows() -> list[list[str]]:
    """Each irrigation district held to its main crop's quota from QUOTAS_FROM (the same values
    as irrigation.quota's defaults, so the verdicts do not move)."""
    return [
        [d.code, str(QUOTAS_FROM), quota_code(CROP_QUOTAS[d.main_crop])]
        for d in IRRIGATION_DISTRICTS
    ]


REFORM_HEADER = ("district_code", "year", "reformed_area_mu", "note")
# The agricultural water-price reform (连府办〔2024〕21号, from May 2024): the two medium rice
# districts done in 2024 and half of 九陂, all five by the end of 2025.
REFORM_SHARES = {
    2024: {"ID01": 1.0, "ID02": 1.0, "ID05": 0.5},
    2025: {"ID01": 1.0, "ID02": 1.0, "ID03": 1.0, "ID04": 1.0, "ID05": 1.0},
}


def reform_rows(effective_mu: dict[str, float]) -> list[list[str]]:
    """Each year's reformed area per district (REFORM_SHARES × its effective irrigated area)."""
    return [
        [code, str(year), f"{effective_mu[code] * share:.0f}", "计量到斗口，定价到户，精准补贴"]
        for year, shares in REFORM_SHARES.items()
        for code, share in shares.items()
    ]


ASSOCIATION_HEADER = ("area_code", "name", "founded_on", "district_code", "members",
                      "registered_with")  # fmt: skip
# The plan's task （五）3: one farmers' association registered in 2026 (task board 441882-ZD5-3).
ASSOCIATIONS = (("连州市九陂灌区农民用水户协会", "2026-09-20", "ID05", "312", "连州市民政局"),)


def association_rows() -> list[list[str]]:
    return [[COUNTY_CODE, *row] for row in ASSOCIATIONS]
