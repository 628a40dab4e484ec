"""Browser: an admin files evidence for a scorecard line in the admin; an official downloads the
self-assessment report as Word and as PDF from the county report and finds the line's table
and the evidence in them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from compliance.models import Indicator
from demo.load import DEMO_ACCOUNTS
from layers.models import AdminArea
from tests.e2e.conftest import ARTIFACTS, committed_sql, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "2025 年节水宣传活动总结（浏览器测试）"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the live server thread shares these settings
    yield tmp_path
    committed_sql("DELETE FROM registers_evidence WHERE title = %s", [TITLE])


class SelfAssessmentBrowserTests:
    def test_evidence_then_word_and_pdf(self, page, site, media, tmp_path):
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        page.goto(f"{site.url}/admin/registers/evidence/add/")
        county = AdminArea.objects.get(code="441882")
        line = Indicator.objects.get(code="county.publicity")
        page.select_option("select[name=area]", value=str(county.pk))
        page.select_option("select[name=indicator]", value=str(line.pk))
        page.fill("input[name=year]", "2025")
        page.fill("input[name=title]", TITLE)
        page.fill("input[name=dated]", "2025-12-20")
        upload = tmp_path / "summary.pdf"
        upload.write_bytes(PDF)
        page.set_input_files("input[name=file]", str(upload))
        page.click("input[name=_save]")
        page.wait_for_selector("ul.messagelist li.success")
        assert list(media.rglob("*.pdf")), "the file is stored under MEDIA_ROOT/evidence"

        context = page.context
        context.clear_cookies()
        login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
        page.goto(f"{site.url}/reports/county/?year=2025")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-self-assessment-links.png"))
        with page.expect_download() as word:
            page.click("a[href^='/reports/self-assessment.docx']")
        doc = Document(io.BytesIO(Path(word.value.path()).read_bytes()))
        rows = [[c.text for c in r.cells] for t in doc.tables for r in t.rows]
        assert any(r[0] == "公共供水管网漏损率" and "CJJ 92" in r[5] for r in rows if len(r) == 7)
        assert any(TITLE in r for r in rows)
        with page.expect_download() as pdf:
            page.click("a[href^='/reports/self-assessment.pdf']")
        reader = PdfReader(io.BytesIO(Path(pdf.value.path()).read_bytes()))
        flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
        assert "评价指标完成情况表" in flat and "公共供水管网漏损率" in flat
        assert TITLE.replace(" ", "") in flat
        page.watch.assert_clean()
