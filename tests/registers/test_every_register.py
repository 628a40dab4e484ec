"""Every register through every path: a bad row refused (nothing written), an admin edit
through the admin's own form, the browser import of its own export (nothing to change), and
each management line moved by a register write through the evaluation worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.test import RequestFactory

from dataio.records_export import records_export
from layers.records import RECORD_KINDS
from registers.models import (
    ApplianceSurvey,
    KeyUserListing,
    PolicyDocument,
    PublicityEvent,
    TariffBand,
)
from registers.pages import REGISTERS
from tests.helpers import evaluate_pending, tables_fingerprint

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}

# One refused row per register: a value its rules refuse, and the words that name it.
BAD_ROWS = {
    "policy-documents": ("441882,X-9,t,nonsense,,2030-01-01,2030-02-01,", "column kind"),
    "tariff-bands": ("441882,连水〔2019〕12号,0,flat,0,,1,", "column band"),
    "agricultural-price-reform": ("ID01,2030,-5,", "column reformed_area_mu"),
    "water-quotas": (
        "441882,Q-X,industry,纸,m³/t,-1,DB44/T 1461.2-2021,,false",
        "column value",
    ),
    "district-quotas": ("ID99,2030,441882-A-RICE", "unknown code 'ID99'"),
    "quota-checks": ("WU000001,2030,441882-NOPE,5", "unknown code '441882-NOPE'"),
    "construction-projects": (
        "441882,P-X,x,new,2030-05-01,maybe,true,true,true,",
        "column assessment_done",
    ),
    "appliance-surveys": ("441882,2030-04-01,public_building,3,10,12,,", "more water-saving"),
    "publicity-events": ("441882,2030-13-01,t,campaign,,5", "column held_on"),
    "withdrawal-permits": (
        "WU000001,P-X,surface,,,-10,,2030-01-01,2031-01-01,true",
        "column permitted_m3",
    ),
    "resource-levies": ("WU000001,2030,100,0.1,-1", "column collected_yuan"),
    "carrier-recognitions": (
        "WU000001,enterprise,2030-05-01,,,,2029-01-01",
        "cannot be revoked before",
    ),
    "nonconventional-uses": ("WU000001,2030,seawater,10", "column kind"),
    "key-users": ("WU000001,global,2030-01-01,online", "column tier"),
    "user-associations": ("441882,协会,2030-01-01,ID99,10,", "unknown code 'ID99'"),
    "plan-tasks": (
        "441882,441882-X,key_task,c,t,,d,,2030-02-30",
        "column deadline",
    ),
    "plan-task-notes": ("441882-ZD1-1,2020-01-01,101,n,", "column percent"),
}


def test_every_register_has_a_bad_row_case():
    assert set(BAD_ROWS) == set(REGISTERS)


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_a_bad_row_is_named_and_nothing_is_written(kind, tmp_path, capsys):
    line, expected = BAD_ROWS[kind]
    path = tmp_path / f"{kind}.csv"
    path.write_text(",".join(RECORD_KINDS[kind].headers) + "\n" + line + "\n", encoding="utf-8")
    before = tables_fingerprint()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_records", kind, str(path), verbosity=0)
    assert expected in capsys.readouterr().err
    assert tables_fingerprint() == before


def _one_change(model, data: dict, key: set[str]) -> str | None:
    """Change one editable value that is not part of a natural key: a number +1, a free text
    with a mark added, a date a day earlier. Returns the field changed (None: nothing fit)."""
    for field in model._meta.get_fields():
        name = getattr(field, "name", "")
        if name not in data or name in key or getattr(field, "choices", None):
            continue
        value = data[name]
        kind = field.get_internal_type()
        if kind == "FloatField" and value is not None:
            data[name] = value + 1
        elif kind == "CharField" and value and len(value) + 4 <= field.max_length:
            data[name] = value + "（修订）"
        elif kind == "DateField" and value:
            data[name] = (dt.date.fromisoformat(value) - dt.timedelta(days=1)).isoformat()
        else:
            continue
        return name
    return None


@pytest.mark.parametrize("kind", REGISTERS)
def test_the_admin_form_edits_a_row(kind, django_user_model):
    """The register's admin form, fed a demo row's values with one of them changed, is valid
    under the model's rules and saves it; the register's data version moves (the database's
    triggers saw the write, whatever path made it)."""
    from layers.models import LayerVersion

    spec = RECORD_KINDS[kind]
    model = spec.model
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the demo has no {kind}"
    request = RequestFactory().post("/")
    request.user = django_user_model.objects.get(username="admin")
    model_admin = admin.site._registry[model]
    form_class = model_admin.get_form(request, obj)
    data = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in model_to_dict(obj, fields=form_class.base_fields).items()
        if v is not None
    }
    key = {spec.parent_field.removesuffix("_id"), *spec.key, "code"}
    changed = _one_change(model, data, key)
    form = form_class(data=data, instance=obj)
    assert form.is_valid(), form.errors
    version = LayerVersion.objects.filter(key=kind).values_list("version", flat=True).first()
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    after = LayerVersion.objects.filter(key=kind).values_list("version", flat=True).first()
    if changed is not None:
        assert after is not None and after != version, changed
        obj.refresh_from_db()
        stored = getattr(obj, changed)
        assert (stored.isoformat() if isinstance(stored, dt.date) else stored) == data[changed]


@pytest.mark.parametrize("kind", REGISTERS)
def test_the_import_page_reads_back_its_own_export(kind, client, django_user_model, tmp_path):
    """Exported, then uploaded on the register's import page (check only): every row valid,
    nothing to create."""
    client.force_login(django_user_model.objects.get(username="admin"))
    path = tmp_path / f"{kind}.xlsx"
    records_export(kind=kind, path=path)
    upload = SimpleUploadedFile(f"{kind}.xlsx", path.read_bytes())
    got = client.post(f"/registers/{kind}/import/", {"file": upload, "check_only": "on"}, **HOST)
    html = got.content.decode()
    assert got.status_code == 200, html[-2000:]
    assert "导入将新增 0 行、更新 0 行" in html


def _line(client, code: str) -> dict:
    url = f"/api/v1/compliance/results/?year=2025&indicator={code}"
    return client.get(url, **HOST).json()["results"][0]


class LinesMoveTests:
    """Each management line not moved elsewhere, moved by a write to its register."""

    def test_price_line_follows_the_bands(self, client, official):
        """2025: 3 of 4 parts. Lowering the third residential tier below 3× the first (6.30 ->
        5.00 yuan) leaves 2 of 4."""
        client.force_login(official)
        assert _line(client, "county.water_price_mechanism")["value"] == pytest.approx(0.75)
        TariffBand.objects.filter(document__doc_number="连水〔2019〕12号", band=3).update(
            price_yuan_m3=5.0
        )
        evaluate_pending()
        assert _line(client, "county.water_price_mechanism")["value"] == pytest.approx(0.5)

    def test_appliance_line_follows_the_surveys(self, client, official):
        """A 2025 survey of 100 public-building fixtures, all water-saving, raises the share."""
        client.force_login(official)
        before = _line(client, "county.water_saving_appliances")["value"]
        ApplianceSurvey.objects.create(
            area_id=PolicyDocument.objects.first().area_id,
            surveyed_on=dt.date(2025, 12, 1),
            place="public_building",
            sites=5,
            fixtures_checked=100,
            fixtures_water_saving=100,
        )
        evaluate_pending()
        assert _line(client, "county.water_saving_appliances")["value"] > before

    def test_publicity_line_follows_the_events(self, client, official):
        client.force_login(official)
        before = _line(client, "county.publicity")
        assert before["status"] == "compliant"
        PublicityEvent.objects.filter(held_on__year=2025).delete()
        evaluate_pending()
        assert _line(client, "county.publicity")["status"] != "compliant"

    def test_key_user_line_follows_the_listing(self, client, official):
        """The cement works is listed with manual readings (1 of 2 online); online: 2 of 2."""
        client.force_login(official)
        assert _line(client, "county.key_user_monitoring")["value"] == pytest.approx(0.5)
        KeyUserListing.objects.filter(user__code="WU000002").update(monitoring="online")
        evaluate_pending()
        assert _line(client, "county.key_user_monitoring")["value"] == pytest.approx(1.0)
