"""Evidence files: accepted by content (PDF, PNG, JPEG, XLSX, DOCX) and size, refused otherwise
with nothing stored, uploaded in the admin, only ever downloaded, listed in the self-assessment."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import Workbook

from compliance.evaluation import county_of
from compliance.models import Indicator
from registers.models import Evidence
from registers.services import evidence_add

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def add(name: str, content: bytes, **extra) -> Evidence:
    return evidence_add(
        area=county_of(None),
        title="阶梯水价文件",
        dated=dt.date(2025, 3, 1),
        upload=SimpleUploadedFile(name, content),
        indicator=Indicator.objects.get(code="county.water_price_mechanism"),
        year=2025,
        **extra,
    )


class EvidenceServiceTests:
    @pytest.mark.parametrize(
        ("name", "content", "media_type"),
        [
            ("a.pdf", PDF, "application/pdf"),
            ("b.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png"),
            ("c.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"),
            ("d.xlsx", None, Evidence.MediaType.XLSX),
        ],
    )
    def test_accepted_by_content(self, media, name, content, media_type):
        e = add(name, content if content is not None else xlsx_bytes())
        assert e.media_type == media_type
        # stored under a random name with the extension of what it is, never the upload's name
        assert re.fullmatch(r"evidence/2025/[0-9a-f]{32}\.(pdf|png|jpg|xlsx)", e.file.name)
        assert (media / e.file.name).exists()

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("x.pdf", b"<html><script>alert(1)</script></html>"),  # HTML named .pdf
            ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
            ("x.zip", b"PK\x03\x04not an office file"),
            ("x.pdf", b""),
        ],
    )
    def test_refused_and_nothing_stored(self, media, name, content):
        with pytest.raises(ValidationError):
            add(name, content)
        assert not Evidence.objects.exists()
        assert not any(media.rglob("*.*"))

    def test_too_large(self, settings):
        settings.EVIDENCE_MAX_BYTES = 100
        with pytest.raises(ValidationError, match="最大"):
            add("big.pdf", PDF + b"0" * 200)
        assert not Evidence.objects.exists()


class EvidenceWebTests:
    def test_admin_upload_then_download_as_attachment(self, client, admin_user, official):
        client.force_login(admin_user)
        line = Indicator.objects.get(code="county.publicity")
        response = client.post(
            "/admin/registers/evidence/add/",
            {
                "area": county_of(None).pk,
                "indicator": line.pk,
                "year": 2025,
                "title": "2025 年节水宣传活动总结",
                "dated": "2025-12-20",
                "file": SimpleUploadedFile("summary.pdf", PDF),
            },
            HTTP_HOST="127.0.0.1",
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        e = Evidence.objects.get()
        assert e.uploaded_by == admin_user and e.media_type == "application/pdf"
        # a page-like file is refused in the admin too
        bad = client.post(
            "/admin/registers/evidence/add/",
            {"area": county_of(None).pk, "indicator": line.pk, "year": 2025, "title": "x",
             "dated": "2025-12-20", "file": SimpleUploadedFile("x.pdf", b"<html></html>")},
            HTTP_HOST="127.0.0.1",
        )  # fmt: skip
        assert bad.status_code == 200 and Evidence.objects.count() == 1
        client.force_login(official)
        got = client.get(f"/registers/evidence/{e.pk}/", HTTP_HOST="127.0.0.1")
        assert got.status_code == 200
        assert got["Content-Type"] == "application/pdf"
        assert got["Content-Disposition"].startswith("attachment;")
        assert got["X-Content-Type-Options"] == "nosniff"
        assert b"".join(got.streaming_content) == PDF
        # and the self-assessment lists it under its line
        docx = client.get("/reports/self-assessment.docx?year=2025", HTTP_HOST="127.0.0.1")
        rows = [
            [c.text for c in r.cells] for t in Document(io.BytesIO(docx.content)).tables
            for r in t.rows
        ]  # fmt: skip
        assert ["节水宣传", "2025 年节水宣传活动总结", "2025-12-20", "PDF"] in rows

    def test_download_needs_a_sign_in(self, client):
        e = add("a.pdf", PDF)
        response = client.get(f"/registers/evidence/{e.pk}/", HTTP_HOST="127.0.0.1")
        assert response.status_code in (302, 403)
