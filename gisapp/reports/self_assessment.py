"""The county's self-assessment report (自评估报告) as a DOCX document.

Its parts follow what the Ministry's review of county acceptance checks (水利部办公厅《关于开展
县域节水型社会达标建设年度复核及"回头看"工作的通知》办节约〔2020〕118号: whether the
prerequisites are met, each indicator's data source, calculation and score — the 指标完成情况表
—, the failing items, and whether the filed materials are complete): overview, prerequisites,
the indicator table by category with sources and verified flags, bonus items, other
assessments, failing features, the registers and the evidence list, the plan's tasks (督查),
and what remains to do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from gisapp.reports.pdf import html_to_pdf
from gisapp.reports.selectors import CountyReport, verdict_label
from registers.models import PolicyDocument
from registers.task_board import TaskBoardState, TaskState

FONT = "Noto Sans CJK SC"  # the font the PDF reports embed; Word falls back to a CJK font


@dataclass(frozen=True)
class Block:
    """A piece of the report: a heading (level 0 = title), a paragraph, or a table."""

    kind: str  # heading | paragraph | table
    text: str = ""
    level: int = 1
    bullet: bool = False
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


class Blocks:
    """Collects blocks with the calls a document builder would take."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def add_heading(self, text: str, level: int = 1) -> None:
        self.blocks.append(Block("heading", text=text, level=level))

    def add_paragraph(self, text: str, *, bullet: bool = False) -> None:
        self.blocks.append(Block("paragraph", text=text, bullet=bullet))

    def add_table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows)))


def _points(line: dict) -> str:
    if line["kind"] == "prerequisite":
        return _("veto")
    return f"{line['points']:g} / {line['max_points']:g}"


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


def _task_blocks(doc: Blocks, tasks: TaskBoardState | None) -> None:
    """The plan's tasks (督查): per lead department, then every late task by name."""
    doc.add_heading(_("6. The plan's tasks"), level=1)
    if tasks is None or not tasks.departments:
        doc.add_paragraph(_("No plan task is on the board."))
        return
    board = tasks.departments
    doc.add_paragraph(
        _("State on %(day)s: %(total)d tasks, %(done)d done, %(late)d overdue.")
        % {
            "day": tasks.as_of.isoformat(),
            "total": sum(d.total for d in board),
            "done": sum(d.done for d in board),
            "late": sum(d.overdue for d in board),
        }
    )
    doc.add_table(
        [_("Lead department"), _("Tasks"), _("Done"), _("Under way"), _("Overdue")],
        [
            [d.department, str(d.total), str(d.done), str(d.under_way), str(d.overdue)]
            for d in board
        ],
    )
    late = [(d, t) for d in board for t in d.tasks if t.state == TaskState.OVERDUE]
    if late:
        doc.add_heading(_("Overdue tasks"), level=2)
        doc.add_table(
            [_("Task"), _("Lead department"), _("Deadline"), _("Progress"), _("Latest report")],
            [
                [
                    t.task.title,
                    d.department,
                    t.task.deadline.isoformat(),
                    f"{t.percent} %",
                    t.last_note.note if t.last_note else "—",
                ]
                for d, t in late
            ],
        )


def self_assessment_blocks(
    report: CountyReport, registers: dict, tasks: TaskBoardState | None = None
) -> list[Block]:
    """The self-assessment of `report`'s county and year as blocks; registers:
    registers.selectors.register_summary() of the same area and year."""
    card = report.scorecard
    doc = Blocks()
    doc.add_heading(
        _("%(area)s county water-saving society self-assessment report, %(year)s")
        % {"area": report.area_name, "year": report.year},
        level=0,
    )
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
        doc.add_table(header, _line_rows(section["lines"]))

    if report.other_sections:
        doc.add_heading(_("3. Other assessments (not counted towards the pass)"), level=1)
        for section in report.other_sections:
            doc.add_heading(section["title"], level=2)
            doc.add_table(header, _line_rows(section["lines"]))

    doc.add_heading(_("4. Failing features"), level=1)
    failing = [layer for layer in report.failing if layer.features]
    if not failing:
        doc.add_paragraph(_("No feature fails."))
    for layer in failing:
        doc.add_heading(f"{layer.title} ({len(layer.features)})", level=2)
        doc.add_table(
            [_("Name"), _("Code"), _("Indicator"), _("Value"), _("Threshold")],
            [
                [f.name, f.code, x.name, x.value_text, x.threshold_text]
                for f in layer.features
                for x in f.failures
            ],
        )

    doc.add_heading(_("5. Registers of the year"), level=1)
    doc.add_table(
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
            [
                _("Water-use quotas applied (of which unverified)"),
                f"{registers['quotas_used']} ({registers['quotas_unverified']})",
            ],
            [_("Tariff bands of the price documents in force"), str(registers["tariff_bands"])],
            [_("Water-saving carriers recognised"), str(registers["carriers"])],
            [
                _("Water-resource levies (due / collected, yuan)"),
                f"{registers['levies']} ({registers['levies_due_yuan']:,.0f} / "
                f"{registers['levies_collected_yuan']:,.0f})",
            ],
            [_("Water users' associations"), str(registers["associations"])],
            [
                _("Users' non-conventional water (m³)"),
                f"{registers['nonconventional_m3']:,.0f}",
            ],
        ],
    )
    doc.add_heading(_("Evidence: documents in force"), level=2)
    kinds = dict(PolicyDocument.Kind.choices)
    doc.add_table(
        [_("Document number"), _("Title"), _("Kind"), _("Issued on")],
        [
            [d["doc_number"], d["title"], str(kinds.get(d["kind"], d["kind"])), str(d["issued_on"])]
            for d in registers["documents"]
        ],
    )

    doc.add_heading(_("Evidence files"), level=2)
    names = {line["code"]: line["name"] for line in report.lines}
    if registers["evidence"]:
        doc.add_table(
            [_("Scorecard line or register"), _("Title"), _("Date"), _("File type")],
            [
                [
                    names.get(e["indicator"], e["indicator"]) if e["indicator"] else e["register"],
                    e["title"],
                    str(e["dated"]),
                    e["media_type"],
                ]
                for e in registers["evidence"]
            ],
        )
    else:
        doc.add_paragraph(_("No evidence file has been filed for the year."))

    _task_blocks(doc, tasks)

    doc.add_heading(_("7. What remains to be done"), level=1)
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
            bullet=True,
        )
    return doc.blocks


def blocks_docx(blocks: list[Block]) -> bytes:
    """The blocks as a Word document (CJK font for East Asian text)."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for b in blocks:
        if b.kind == "heading":
            h = doc.add_heading(b.text, level=b.level)
            if b.level == 0:
                h.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "paragraph":
            doc.add_paragraph(b.text, style="List Bullet" if b.bullet else None)
        else:
            table = doc.add_table(rows=1, cols=len(b.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, b.header, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in b.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


PDF_STYLE = (
    "@page { size: A4; margin: 16mm 14mm; }"
    f"body {{ font-family: '{FONT}', sans-serif; font-size: 9.5pt; line-height: 1.45; }}"
    "h1 { text-align: center; font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.2em; }"
    "h3 { font-size: 11pt; } table { border-collapse: collapse; width: 100%; margin: .4em 0; }"
    "th, td { border: 1px solid #777; padding: 2px 4px; vertical-align: top; }"
    "th { background: #eef2f5; }"
)


def blocks_pdf(blocks: list[Block], lang: str) -> bytes:
    """The blocks as a printable PDF (the same text, tables with borders), offline."""
    parts = [f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">']
    parts.append(f"<style>{PDF_STYLE}</style></head><body>")
    for b in blocks:
        if b.kind == "heading":
            tag = f"h{min(b.level + 1, 4)}"
            parts.append(f"<{tag}>{escape(b.text)}</{tag}>")
        elif b.kind == "paragraph":
            parts.append(
                f"<ul><li>{escape(b.text)}</li></ul>" if b.bullet else f"<p>{escape(b.text)}</p>"
            )
        else:
            head = "".join(f"<th>{escape(h)}</th>" for h in b.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in b.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body></html>")
    return html_to_pdf("".join(parts))
