"""The county's self-assessment report (自评估报告) as a DOCX document.

Its parts follow what the Ministry's review of county acceptance checks (水利部办公厅《关于开展
县域节水型社会达标建设年度复核及"回头看"工作的通知》办节约〔2020〕118号: whether the
prerequisites are met, each indicator's data source, calculation and score — the 指标完成情况表
—, the failing items, and whether the filed materials are complete): overview, prerequisites,
the indicator table by category with sources and verified flags, bonus items, other
assessments, failing features, the registers and the evidence list, and what remains to do.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from gisapp.reports.selectors import CountyReport, verdict_label
from registers.models import PolicyDocument

FONT = "Noto Sans CJK SC"  # the font the PDF reports embed; Word falls back to a CJK font


def _points(line: dict) -> str:
    if line["kind"] == "prerequisite":
        return _("veto")
    return f"{line['points']:g} / {line['max_points']:g}"


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def _line_rows(lines: list[dict]) -> list[list[str]]:
    return [
        [
            line["name"],
            line["value_text"],
            line["threshold_text"],
            _points(line),
            line["status_text"],
            line["explanation"],
            _("yes") if line["verified"] else _("no (default to confirm)"),
        ]
        for line in lines
    ]


def self_assessment_docx(report: CountyReport, registers: dict) -> bytes:
    """The self-assessment of `report`'s county and year; registers: register_summary()."""
    card = report.scorecard
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)

    title = doc.add_heading(
        _("%(area)s county water-saving society self-assessment report, %(year)s")
        % {"area": report.area_name, "year": report.year},
        level=0,
    )
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        _("Generated on %(when)s from the data held in the system (area code %(code)s).")
        % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "code": report.area_code}
    )

    doc.add_heading(_("1. Overview"), level=1)
    doc.add_paragraph(
        _(
            "Total %(total)s of %(max)s points (bonus %(bonus)s); pass line %(line)s points; "
            "verdict: %(verdict)s. The data held can show at most %(attainable)s points; "
            "%(unjudged)s points cannot be judged for lack of data."
        )
        % {
            "total": f"{card.get('total', 0):g}",
            "max": f"{card.get('max_total', 100):g}",
            "bonus": f"{card.get('bonus_points', 0):g}",
            "line": f"{card.get('pass_line', 90):g}",
            "verdict": verdict_label(card.get("verdict")),
            "attainable": f"{card.get('maximum_attainable', 0):g}",
            "unjudged": f"{card.get('unjudged_points', 0):g}",
        }
    )
    if card.get("vetoed_by"):
        names = {line["code"]: line["name"] for line in report.lines}
        doc.add_paragraph(
            _("Vetoed by a failed prerequisite:")
            + " "
            + "、".join(names.get(c, c) for c in card["vetoed_by"])
        )
    doc.add_paragraph(
        _(
            "Values marked 'no' under verified are editable defaults: the official indicator "
            "table of the 2017 standard was not found; the bureau must confirm them."
        )
    )

    header = [
        _("Indicator"),
        _("Value"),
        _("Threshold"),
        _("Points / max"),
        _("Status"),
        _("Data source and calculation"),
        _("Verified"),
    ]
    doc.add_heading(_("2. Prerequisites and indicator table"), level=1)
    for section in report.sections:
        doc.add_heading(section["title"], level=2)
        _table(doc, header, _line_rows(section["lines"]))

    if report.other_sections:
        doc.add_heading(_("3. Other assessments (not counted towards the pass)"), level=1)
        for section in report.other_sections:
            doc.add_heading(section["title"], level=2)
            _table(doc, header, _line_rows(section["lines"]))

    doc.add_heading(_("4. Failing features"), level=1)
    failing = [layer for layer in report.failing if layer.features]
    if not failing:
        doc.add_paragraph(_("No feature fails."))
    for layer in failing:
        doc.add_heading(f"{layer.title} ({len(layer.features)})", level=2)
        _table(
            doc,
            [_("Name"), _("Code"), _("Indicator"), _("Value"), _("Threshold")],
            [
                [f.name, f.code, x.name, x.value_text, x.threshold_text]
                for f in layer.features
                for x in f.failures
            ],
        )

    doc.add_heading(_("5. Registers of the year"), level=1)
    _table(
        doc,
        [_("Register"), _("Held for the year")],
        [
            [_("Policy documents in force"), str(len(registers["documents"]))],
            [_("Quota checks"), str(registers["quota_checks"])],
            [
                _("Construction projects (三同时 met)"),
                f"{registers['projects']} ({registers['projects_compliant']})",
            ],
            [
                _("Appliance surveys (water-saving / checked fixtures in public buildings)"),
                f"{registers['surveys']} ({registers['fixtures_water_saving']} / "
                f"{registers['fixtures_checked']})",
            ],
            [
                _("Publicity events (people reached)"),
                f"{registers['events']} ({registers['reach_persons']:,})",
            ],
        ],
    )
    doc.add_heading(_("Evidence: documents in force"), level=2)
    kinds = dict(PolicyDocument.Kind.choices)
    _table(
        doc,
        [_("Document number"), _("Title"), _("Kind"), _("Issued on")],
        [
            [d["doc_number"], d["title"], str(kinds.get(d["kind"], d["kind"])), str(d["issued_on"])]
            for d in registers["documents"]
        ],
    )

    doc.add_heading(_("6. What remains to be done"), level=1)
    todo = [
        line
        for section in report.sections
        for line in section["lines"]
        if line["status"] != "compliant"
    ]
    if not todo:
        doc.add_paragraph(_("Every line is met."))
    for line in todo:
        needs = line.get("needs") or ""
        doc.add_paragraph(
            f"{line['name']}（{line['status_text']}，{line['value_text']}，"
            f"{_('required')} {line['threshold_text']}）" + (f"：{needs}" if needs else ""),
            style="List Bullet",
        )

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
