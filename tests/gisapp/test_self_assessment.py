"""The self-assessment report (自评估报告) as a Word file: opened and checked for its tables."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader

from compliance.evaluation import county_of
from compliance.selectors import scorecard

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client


def document_text(doc) -> tuple[str, list[list[str]]]:
    """Paragraph text and every table row (cell texts)."""
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    return paragraphs, rows


class SelfAssessmentDocxTests:
    def test_download_holds_the_scorecard_table(self, official_client):
        card = scorecard(county_of(None), YEAR)
        response = official_client.get(f"/reports/self-assessment.docx?year={YEAR}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml"
        )
        assert (
            response["Content-Disposition"]
            == f"attachment; filename=lianzhou-self-assessment-{YEAR}.docx"
        )
        doc = Document(io.BytesIO(response.content))
        text, rows = document_text(doc)
        assert "连州市" in text and "自评估报告" in text
        assert f"{card['total']:g}" in text and f"{card['pass_line']:g}" in text
        named = {row[0] for row in rows}
        for line in card["lines"]:
            if line["assessment"] == "standard_2017":
                assert line["name"] in named, line["code"]
        # every scored line carries its points, its source and its verified flag
        by_name = {row[0]: row for row in rows if len(row) == 7}
        leakage = next(x for x in card["lines"] if x["code"] == "county.supply_leakage")
        row = by_name[leakage["name"]]
        assert row[3] == f"{leakage['points']:g} / {leakage['max_points']:g}"
        assert "CJJ 92" in row[5]
        # the evidence list names the documents in force
        assert any("连府办〔2024〕21号" in r[0] for r in rows)
        # the registers' summary names the new registers with their figures
        summary = {r[0]: r[1] for r in rows if len(r) == 2}
        assert (
            summary["执行的用水定额项（其中未核实）"] == "3 (3)"
        )  # every demo quota is unverified
        assert int(summary["已认定的节水载体"]) > 0
        assert "/" in summary["水资源费（税）征收户数（应收 / 实收，元）"]
        # the plan's tasks: per lead department, and the late ones by name (state of today)
        assert "六、实施方案任务落实情况" in text and "共 25 项任务" in text
        assert any(r[0] == "连州市水利局" and r[1] == "8" for r in rows)
        late = {r[0]: r[1] for r in rows if len(r) == 5}
        assert late["对高耗水行业实行差别水价"] == "连州市发展和改革局"

    def test_pdf_holds_the_same_tables(self, official_client):
        card = scorecard(county_of(None), YEAR)
        response = official_client.get(f"/reports/self-assessment.pdf?year={YEAR}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        flat = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
        assert "自评估报告" in flat and "评价指标完成情况表" in flat
        for line in card["lines"]:
            if line["assessment"] == "standard_2017":
                assert line["name"].replace(" ", "") in flat, line["code"]
        fonts = {
            str(font["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        }
        assert any("CJK" in name for name in fonts), fonts

    def test_bad_year_and_roles(self, official_client, client):
        assert official_client.get("/reports/self-assessment.docx?year=abc").status_code == 400
        client.logout()
        response = client.get("/reports/self-assessment.docx?year=2025")
        assert response.status_code in (302, 403)
