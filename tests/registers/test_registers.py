"""Management registers: import (good file, bad rows, XLSX), their scorecard lines on hand-made
cases, and a register write that moves its line through the evaluation worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from compliance.inputs import CountyInput, UserInput
from compliance.register_figures import (
    key_user_monitoring,
    publicity,
    quota_management,
    reform_problem,
    resource_levy_collection,
    tariff_part_problem,
    three_simultaneities,
    water_price_mechanism,
    water_saving_appliances,
)
from registers.models import ConstructionProject, PublicityEvent, ResourceLevy, WaterQuota
from tests.helpers import evaluate_pending, tables_fingerprint

TOWN = "441882105"  # 保安镇 in the demo


def run(kind: str, path) -> None:
    call_command("import_records", kind, str(path), verbosity=0)


def county(registers: dict, users: list[UserInput] = (), year: int = 2025) -> CountyInput:
    return CountyInput(
        area_id=1, area_code="441882", area_name="t", year=year, zones=[], supply_zones=[],
        plants=[], towns=[], districts=[], users=list(users), stats=None, registers=registers,
    )  # fmt: skip


def user(uid: int, code: str, annual: float) -> UserInput:
    return UserInput(
        id=uid, code=code, name=code, sector="industry", carrier="", annual_plan_m3=None,
        town_id=None, supply_zone_id=None, monthly_m3=[annual / 12] * 12, metered_m3=annual,
    )  # fmt: skip


class FigureTests:
    """The lines' arithmetic on small registers (no database)."""

    def test_key_user_monitoring(self):
        """Users 1 (600,000 m³, listed, online), 2 (550,000 m³, listed, manual), 3 (520,000 m³,
        not listed) and 4 (10,000 m³, below the 500,000 line): 1 of 3 = 0.333, 3 not listed."""
        users = [user(1, "U1", 600_000), user(2, "U2", 550_000), user(3, "U3", 520_000)]
        users.append(user(4, "U4", 10_000))
        listed = [
            {"user_id": 1, "user__code": "U1", "tier": "provincial", "monitoring": "online"},
            {"user_id": 2, "user__code": "U2", "tier": "city", "monitoring": "manual"},
        ]
        f = key_user_monitoring(county({"key_users": listed}, users), 500_000)
        assert f.value == pytest.approx(1 / 3) and f.details["not_listed"] == ["U3"]

    def test_resource_levy_collection(self):
        """Liable: self-supplied, non-residential users that used water. U1 (surface, 10,000 m³
        used, assessed 10,000 at 0.12 = 1,200 yuan, paid 1,200): full. U2 (groundwater, 5,000
        used, assessed 4,000 at 0.20: under-assessed, due 5,000 × 0.20 = 1,000, paid 800):
        short 200 yuan. U3 (surface, 2,000 used, no levy record): not assessed. U4 (public
        network) and U5 (self-supplied household) are not liable. 1 of 3 = 0.333; due over
        the records 2,200, collected 2,000."""
        users = [user(1, "U1", 10_000), user(2, "U2", 5_000), user(3, "U3", 2_000)]
        users += [user(4, "U4", 9_000), user(5, "U5", 100)]
        for u, source in zip(users, ("surface", "groundwater", "surface", "public_network",
                                     "groundwater"), strict=True):  # fmt: skip
            u.source = source
        users[4].sector = "residential"
        levies = [
            {"holder_id": 1, "assessed_m3": 10_000, "rate_yuan_m3": 0.12, "collected_yuan": 1200},
            {"holder_id": 2, "assessed_m3": 4_000, "rate_yuan_m3": 0.20, "collected_yuan": 800},
        ]
        f = resource_levy_collection(county({"levies": levies}, users))
        assert f.value == pytest.approx(1 / 3)
        assert f.details["unassessed"] == ["U3"] and f.details["short_yuan"] == {"U2": 200.0}
        assert f.details["due_yuan"] == 2200.0 and f.details["collected_yuan"] == 2000.0
        assert "short: 1 users, 200 yuan" in f.basis_en
        assert resource_levy_collection(county({}, users[3:4])).value is None  # nobody liable

    def test_quota_management(self):
        """Users 1 and 2 checked: 1 uses 1,000 m³ for 50 t (20 m³/t ≤ quota 25); 2 uses
        3,000 m³ for 100 t (30 m³/t > 25). Within: 1 of 2 = 0.5. Without a document adopting
        the quotas the line is 0 (no quota is being applied)."""
        checks = [
            {"user_id": 1, "user__code": "U1", "quota_value": 25.0, "output_quantity": 50.0},
            {"user_id": 2, "user__code": "U2", "quota_value": 25.0, "output_quantity": 100.0},
        ]
        users = [user(1, "U1", 1000.0), user(2, "U2", 3000.0)]
        adopted = [{"kind": "quota_adoption", "doc_number": "D1", "title": "t"}]
        f = quota_management(county({"quota_checks": checks, "documents": adopted}, users))
        assert f.value == pytest.approx(0.5)
        assert "U2 30 > 25" in f.basis_en
        # over quota: 3,000 − 25 m³/t × 100 t = 500 m³, the volume a surcharge is levied on
        assert f.details["over_quota_m3"] == {"U2": 500.0} and "500 m³ over quota" in f.basis_en
        assert quota_management(county({"quota_checks": checks}, users)).value == 0.0
        assert quota_management(county({})).value is None
        # 1,000 m³ used with no output is over any quota: 0 of 1
        idle = [{"user_id": 1, "user__code": "U1", "quota_value": 25.0, "output_quantity": 0}]
        f = quota_management(county({"quota_checks": idle, "documents": adopted}, users))
        assert f.value == 0.0

    def test_water_price_mechanism(self):
        """Residential tiers (bands 2.00 / 3.00 / 6.00 yuan: 1 : 1.5 : 3, met) and agricultural
        reform in force, the reform covering both districts (1,000 + 500 of 1,500 亩): 2 of the
        4 parts = 0.5. With the third tier at 5.00 yuan (2.5× < 3×) the tiers fall short: 0.25.
        Without any band recorded the tiers cannot be shown to meet the rule either: 0.25."""
        docs = [
            {"kind": "tariff_residential_tiers", "doc_number": "A", "title": "a"},
            {"kind": "tariff_agricultural_reform", "doc_number": "B", "title": "b"},
            {"kind": "incentive_policy", "doc_number": "C", "title": "c"},
        ]
        districts = [
            {"id": 1, "code": "D1", "effective_area_mu": 1000.0},
            {"id": 2, "code": "D2", "effective_area_mu": 500.0},
        ]
        reform = [
            {"district_id": 1, "year": 2024, "reformed_area_mu": 1000.0},
            {"district_id": 2, "year": 2025, "reformed_area_mu": 500.0},
        ]

        def band(n: int, price: float) -> dict:
            return {
                "document__doc_number": "A", "document__kind": "tariff_residential_tiers",
                "band": n, "basis": "household_m3_year", "lower": 0.0, "upper": None,
                "price_yuan_m3": price, "multiple": None,
            }  # fmt: skip

        bands = [band(1, 2.0), band(2, 3.0), band(3, 6.0)]
        regs = {"documents": docs, "bands": bands, "districts": districts, "reform": reform}
        f = water_price_mechanism(county(regs))
        assert f.value == 0.5
        assert set(f.details["missing"]) == {
            "tariff_nonresidential_progressive",
            "tariff_high_use_differential",
        }
        bands[2] = band(3, 5.0)
        f = water_price_mechanism(county(regs))
        assert f.value == 0.25 and f.details["short"] == ["tariff_residential_tiers"]
        assert "tier 3 price 5 yuan is below 3× the first" in f.basis_en
        assert water_price_mechanism(county({**regs, "bands": []})).value == 0.25

    def test_agricultural_reform_share(self):
        """Districts of 1,000 and 500 亩; reform records 1,000 and 200 亩 (and 800 亩 claimed
        for the 500 亩 district, capped at 500). 1,200 of 1,500 = 80 % < 100 %: short;
        capped 1,500 of 1,500: met; with the share lowered to 0.8 the 80 % case is met."""
        districts = [
            {"id": 1, "code": "D1", "effective_area_mu": 1000.0},
            {"id": 2, "code": "D2", "effective_area_mu": 500.0},
        ]

        def data(second: float):
            reform = [
                {"district_id": 1, "year": 2025, "reformed_area_mu": 1000.0},
                {"district_id": 2, "year": 2025, "reformed_area_mu": second},
            ]
            return county({"districts": districts, "reform": reform})

        assert reform_problem(data(200.0), {})[1] == (
            "reform covers 1,200 of 1,500 亩 (80 %), 100 % required"
        )
        assert reform_problem(data(800.0), {}) is None
        assert reform_problem(data(200.0), {"agricultural_reform_share": 0.8}) is None

    def test_surcharge_bands(self):
        """Over-quota bands adding 0.5×, 1×, 2× meet 发改价格〔2017〕1792号's floor; with the
        second band at 0.8× they do not; two bands are fewer than three."""

        def band(n: int, multiple: float) -> dict:
            return {"band": n, "basis": "over_quota_percent", "price_yuan_m3": None,
                    "multiple": multiple}  # fmt: skip

        kind = "tariff_nonresidential_progressive"
        good = [band(1, 0.5), band(2, 1.0), band(3, 2.0)]
        assert tariff_part_problem(kind, good, {}) is None
        low = [band(1, 0.5), band(2, 0.8), band(3, 2.0)]
        assert tariff_part_problem(kind, low, {})[1] == "band 2 adds 0.8×, below 1×"
        assert tariff_part_problem(kind, good[:2], {})[1] == "fewer than 3 bands"
        # the floor is a parameter: a bureau that confirms other multiples edits them
        assert tariff_part_problem(kind, low, {"surcharge_multiples": [0.5, 0.8, 2]}) is None

    def test_three_simultaneities_window(self):
        """2025, window 3 years (2023-2025): the 2021 project is out; of 2023 (ok), 2024 (no
        assessment) and 2025 (ok), 2 of 3 = 0.667."""

        def project(year: int, assessed: bool) -> dict:
            return {
                "name": f"P{year}", "approved_on": dt.date(year, 5, 1),
                "assessment_done": assessed, "designed_with": True, "built_with": True,
                "commissioned_with": True,
            }  # fmt: skip

        projects = [project(2021, False), project(2023, True), project(2024, False)]
        projects.append(project(2025, True))
        f = three_simultaneities(county({"projects": projects}), window_years=3)
        assert f.value == pytest.approx(2 / 3)
        assert f.details["failing"] == ["P2024"]

    def test_appliances_count_public_buildings_only(self):
        """Public buildings 180 of 200 fixtures = 0.9; the homes' survey (50 of 100) is not
        counted; 2 banned products found in a market inspection are reported."""
        surveys = [
            {"place": "public_building", "fixtures_checked": 200, "fixtures_water_saving": 180,
             "banned_found": None},
            {"place": "residential", "fixtures_checked": 100, "fixtures_water_saving": 50,
             "banned_found": None},
            {"place": "market", "fixtures_checked": 0, "fixtures_water_saving": 0,
             "banned_found": 2},
        ]  # fmt: skip
        f = water_saving_appliances(county({"surveys": surveys}))
        assert f.value == pytest.approx(0.9)
        assert "2 banned" in f.basis_en

    def test_publicity_counts_events(self):
        """Three events reaching 100 + 250 + (unknown) people: 3 events, 350 people."""
        events = [
            {"kind": "campaign", "reach_persons": 100},
            {"kind": "school", "reach_persons": 250},
            {"kind": "media", "reach_persons": None},
        ]
        f = publicity(county({"events": events}))
        assert f.value == 3.0 and f.details["reach_persons"] == 350


@pytest.mark.django_db
class ImportTests:
    def test_projects_good_file_then_reimport_changes_nothing(self, tmp_path):
        path = tmp_path / "p.csv"
        path.write_text(
            "area_code,code,name,kind,approved_on,assessment_done,designed_with,built_with,"
            f"commissioned_with,accepted_on\n{TOWN},T-1,测试项目,new,2030-01-05,true,true,true,"
            "true,2030-06-01\n",
            encoding="utf-8",
        )
        run("construction-projects", path)
        p = ConstructionProject.objects.get(code="T-1")
        assert p.three_simultaneities and p.accepted_on == dt.date(2030, 6, 1)
        before = tables_fingerprint()
        run("construction-projects", path)
        assert tables_fingerprint() == before

    @pytest.mark.parametrize(
        ("kind", "header", "line", "expected"),
        [
            (
                "construction-projects",
                "area_code,code,name,kind,approved_on,assessment_done,designed_with,built_with,"
                "commissioned_with,accepted_on",
                f"{TOWN},T-2,x,new,2030-05-01,true,true,true,true,2030-01-01",
                "cannot be accepted before it is approved",
            ),
            (
                "appliance-surveys",
                "area_code,surveyed_on,place,sites,fixtures_checked,fixtures_water_saving,"
                "banned_found,action_taken",
                f"{TOWN},2030-04-01,public_building,3,10,12,,",
                "more water-saving fixtures than fixtures checked",
            ),
            (
                "policy-documents",
                "area_code,doc_number,title,kind,issuer,issued_on,effective_from,effective_to",
                "441882,X-1,t,price_cut,,2030-01-01,2030-02-01,",
                "column kind",
            ),
            (
                "publicity-events",
                "area_code,held_on,title,kind,audience,reach_persons",
                "441882,2030-13-01,t,campaign,,5",
                "column held_on",
            ),
            (
                "quota-checks",
                "user_code,year,quota_code,output_quantity",
                "WU000001,2030,441882-NOPE,5",
                "column quota_code: unknown code '441882-NOPE'",
            ),
            (
                "tariff-bands",
                "area_code,doc_number,band,basis,lower,upper,price_yuan_m3,multiple",
                "441882,连水〔1999〕1号,1,household_m3_year,0,216,2.1,",
                "column doc_number: unknown code '连水〔1999〕1号'",
            ),
            (
                "tariff-bands",
                "area_code,doc_number,band,basis,lower,upper,price_yuan_m3,multiple",
                "441882,连水〔2019〕12号,4,household_m3_year,300,200,,",
                "a band needs a price or a surcharge multiple",
            ),
            (
                "nonconventional-uses",
                "user_code,year,kind,volume_m3",
                "WU000001,2025,seawater,10",
                "column kind",
            ),
            (
                "resource-levies",
                "user_code,year,assessed_m3,rate_yuan_m3,collected_yuan",
                "WU000001,2025,1000,0.12,-5",
                "column collected_yuan",
            ),
            (
                "water-quotas",
                "area_code,code,sector,item,unit,value,standard,clause,verified",
                "441882,441882-X,industry,纸,m³/t,-1,DB44/T 1461.2-2021,,false",
                "column value",
            ),
        ],
    )
    def test_bad_rows_are_named_and_nothing_is_written(
        self, tmp_path, capsys, kind, header, line, expected
    ):
        path = tmp_path / "bad.csv"
        path.write_text(f"{header}\n{line}\n", encoding="utf-8")
        before = tables_fingerprint()
        with pytest.raises(CommandError, match="nothing was written"):
            run(kind, path)
        assert expected in capsys.readouterr().err
        assert tables_fingerprint() == before

    def test_xlsx_import(self, tmp_path):
        book = Workbook()
        sheet = book.active
        sheet.append(["area_code", "held_on", "title", "kind", "audience", "reach_persons"])
        sheet.append(["441882", dt.date(2030, 3, 22), "世界水日", "campaign", "市民", 500])
        path = tmp_path / "e.xlsx"
        book.save(path)
        run("publicity-events", path)
        assert PublicityEvent.objects.get(title="世界水日").reach_persons == 500


@pytest.mark.django_db
class LineMovesTests:
    def test_a_register_import_moves_its_line(self, client, official, tmp_path):
        """The demo's 2025 three-simultaneities line: 6 of the 9 projects approved 2023-2025
        are compliant. Importing two more compliant 2025 projects makes it 8 of 11 once the
        evaluation worker has run (the register's data version changed)."""
        client.force_login(official)

        def line() -> dict:
            r = client.get(
                "/api/v1/compliance/results/?year=2025&indicator=county.three_simultaneities",
                HTTP_HOST="127.0.0.1",
            )
            return r.json()

        before = line()["results"][0]
        assert before["value"] == pytest.approx(6 / 9)
        path = tmp_path / "p.csv"
        path.write_text(
            "area_code,code,name,kind,approved_on,assessment_done,designed_with,built_with,"
            f"commissioned_with,accepted_on\n{TOWN},T-3,甲,new,2025-08-01,true,true,true,true,\n"
            f"{TOWN},T-4,乙,new,2025-09-01,true,true,true,true,\n",
            encoding="utf-8",
        )
        run("construction-projects", path)
        assert line()["fresh"] is False
        assert ("441882", 2025) in evaluate_pending()
        after = line()
        assert after["fresh"] is True
        assert after["results"][0]["value"] == pytest.approx(8 / 11)

    def test_a_quota_edit_moves_the_quota_line(self, client, official):
        """The demo's 2025 quota line: 13 of the 14 checked users within their quota. Halving
        the paper quota (25 -> 12.5 m³/t) puts the paper mill, which works at 80-95 % of 25,
        over it: 12 of 14 once the worker has run (the quota table's data version changed)."""
        client.force_login(official)
        url = "/api/v1/compliance/results/?year=2025&indicator=county.quota_management"

        def value() -> float:
            return client.get(url, HTTP_HOST="127.0.0.1").json()["results"][0]["value"]

        assert value() == pytest.approx(13 / 14)
        WaterQuota.objects.filter(code="441882-C2221").update(value=12.5)
        evaluate_pending()
        assert value() == pytest.approx(12 / 14)

    def test_a_levy_payment_moves_the_levy_line(self, client, official):
        """2025: one holder paid 60 % of its due. Recording the rest as collected makes one
        more liable user collected in full once the worker has run: the value rises by
        exactly 1 ÷ (liable users)."""
        client.force_login(official)
        url = "/api/v1/compliance/results/?year=2025&indicator=county.resource_levy_collection"

        def row() -> dict:
            return client.get(url, HTTP_HOST="127.0.0.1").json()["results"][0]

        before = row()
        short = before["details"]["short_yuan"]
        assert len(short) == 1
        (code,) = short
        liable = round(before["details"]["whole"])
        levy = ResourceLevy.objects.get(holder__code=code, year=2025)
        levy.collected_yuan += short[code]
        levy.save()
        evaluate_pending()
        assert row()["value"] == pytest.approx(before["value"] + 1 / liable)

    def test_a_carrier_recognition_moves_the_carrier_line(self, client, official, tmp_path):
        """2025: recognising one more public institution (register carrier-recognitions) adds
        exactly 1 ÷ (public institutions) to the institutions' carrier share; a recognition of
        2026 changes nothing in 2025."""
        from consumption.models import WaterUser

        client.force_login(official)
        url = "/api/v1/compliance/results/?year=2025&indicator=county.carrier_institution_share"

        def value() -> float:
            return client.get(url, HTTP_HOST="127.0.0.1").json()["results"][0]["value"]

        before = value()
        members = WaterUser.objects.filter(sector="public_institution")
        target = members.exclude(carrierrecognition__isnull=False).order_by("code")
        first, second = target[0].code, target[1].code
        path = tmp_path / "c.csv"
        path.write_text(
            "user_code,kind,recognised_on,standard,certificate,balance_test_on,revoked_on\n"
            f"{first},institution,2025-06-01,粤水资源〔2014〕11号,X-1,2025-04-01,\n"
            f"{second},institution,2026-02-01,粤水资源〔2014〕11号,X-2,,\n",
            encoding="utf-8",
        )
        run("carrier-recognitions", path)
        evaluate_pending()
        assert value() == pytest.approx(before + 1 / members.count())

    def test_a_district_quota_moves_the_district_verdict(self, client, official, tmp_path):
        """ID05 (rice) is judged against the 600 m³/亩 rice quota. Holding it from 2025 to a
        stricter quota of 300 m³/亩 (a new quota row and a district-quotas row) makes its 2025
        verdict compare with 300 and name that quota, once the worker has run."""
        client.force_login(official)
        url = "/api/v1/compliance/results/?year=2025&indicator=irrigation.quota&code=ID05"

        def row() -> dict:
            return client.get(url, HTTP_HOST="127.0.0.1").json()["results"][0]

        assert row()["threshold"] == 600
        quotas = tmp_path / "q.csv"
        quotas.write_text(
            "area_code,code,sector,item,unit,value,standard,clause,verified\n"
            "441882,441882-A-RICE-X,agriculture,水稻灌溉（节水灌区）,m³/亩,300,"
            "DB44/T 1461.1-2021,表X,false\n",
            encoding="utf-8",
        )
        run("water-quotas", quotas)
        link = tmp_path / "d.csv"
        link.write_text(
            "district_code,from_year,quota_code\nID05,2025,441882-A-RICE-X\n", encoding="utf-8"
        )
        run("district-quotas", link)
        evaluate_pending()
        after = row()
        assert after["threshold"] == 300 and after["details"]["quota_code"] == "441882-A-RICE-X"
        assert "水稻灌溉（节水灌区）" in after["explanation"]


REGISTER_KINDS = (
    "agricultural-price-reform",
    "district-quotas",
    "carrier-recognitions",
    "nonconventional-uses",
    "policy-documents",
    "tariff-bands",
    "water-quotas",
    "quota-checks",
    "construction-projects",
    "appliance-surveys",
    "publicity-events",
    "withdrawal-permits",
    "resource-levies",
    "key-users",
)


@pytest.mark.django_db
class ExportRoundTripTests:
    @pytest.mark.parametrize("kind", REGISTER_KINDS)
    @pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
    def test_export_then_import_changes_nothing(self, tmp_path, kind, suffix, capsys):
        """Every demo register exported and imported back: every row 'unchanged'."""
        path = tmp_path / f"{kind}{suffix}"
        call_command("export_records", kind, str(path), verbosity=0)
        before = tables_fingerprint()
        call_command("import_records", kind, str(path))
        out = capsys.readouterr().out
        assert "created 0, updated 0" in out, out
        assert tables_fingerprint() == before


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["area-stats", "water-balance", "sewage-plant-months"])
def test_other_record_kinds_round_trip(tmp_path, kind, capsys):
    """The export serves every record kind, not only the registers."""
    path = tmp_path / f"{kind}.csv"
    call_command("export_records", kind, str(path), verbosity=0)
    call_command("import_records", kind, str(path))
    assert "created 0, updated 0" in capsys.readouterr().out
