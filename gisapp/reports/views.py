"""Report pages: the county compliance report (HTML and PDF) and the offline failures map."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from gisapp.reports.csp import standalone_map_csp
from gisapp.reports.folium_map import failures_map_html
from gisapp.reports.looks import (
    COUNTY_OUTLINE,
    failing_look,
    failing_paint,
    label,
    legend_rows,
    road_paint,
)
from gisapp.reports.pdf import html_to_pdf
from gisapp.reports.selectors import (
    CONTEXT_LAYERS,
    MAP_LAYERS,
    CountyReport,
    county_report,
    failing_title,
    verdict_label,
)
from gisapp.reports.self_assessment import blocks_docx, blocks_pdf, self_assessment_blocks
from gisapp.reports.svg_map import SvgFeature, SvgLabel, SvgLayer, svg_map, swatch_svg
from layers.models import AdminArea
from layers.permissions import can_view_layer
from layers.selectors import county_find
from layers.styles import feature_paint, style_for
from registers.selectors import register_summary
from registers.task_board import TaskBoardState, task_board

YEAR_MIN, YEAR_MAX = 2000, 2100
# File names of the exports per county code; other counties use their code.
FILE_STEMS = {"441882": "lianzhou"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class BadRequest(ValueError):
    """A query parameter the report cannot use; the message is shown on the 400 page."""


def parse_year(raw: str | None) -> int:
    """The report year: YYYY between 2000 and 2100; missing means the last complete year."""
    if raw is None or raw == "":
        return timezone.localdate().year - 1
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise BadRequest(_("The year must be four digits (YYYY), not “%(raw)s”.") % {"raw": raw})
    year = int(raw)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise BadRequest(
            _("The year must lie between %(min)d and %(max)d.") % {"min": YEAR_MIN, "max": YEAR_MAX}
        )
    return year


class ReportBaseView(PermissionRequiredMixin, View):
    """Year and county from the query string; 400 for a bad year, 404 for an unknown area."""

    permission_required = "compliance.view_result"
    raise_exception = True

    def get(self, request, *args, **kwargs):
        try:
            year = parse_year(request.GET.get("year"))
        except BadRequest as exc:
            return render(
                request, "gisapp/error.html", {"status": 400, "message": str(exc)}, status=400
            )
        code = request.GET.get("area") or None
        try:
            if code is not None and "\x00" in code:  # no code holds one; PostgreSQL refuses it
                raise AdminArea.DoesNotExist
            area = county_find(code)
            if area is None:
                raise AdminArea.DoesNotExist
        except AdminArea.DoesNotExist:
            raise Http404(_("No such county.")) from None
        layers = [
            slug for slug in (*MAP_LAYERS, *CONTEXT_LAYERS) if can_view_layer(request.user, slug)
        ]
        return self.respond(county_report(area, year, layers))

    def respond(self, report: CountyReport) -> HttpResponse:
        raise NotImplementedError

    @staticmethod
    def file_stem(report: CountyReport) -> str:
        return FILE_STEMS.get(report.area_code, report.area_code)


def report_map_svg(report: CountyReport) -> str:
    """The report's map: towns, then every failing feature in the non-compliant look."""
    failing = failing_look()
    layers = []
    if report.towns:
        towns = style_for("towns")
        layers.append(
            SvgLayer(
                "towns",
                [
                    SvgFeature(t.geometry, feature_paint(towns, t.properties), t.name)
                    for t in report.towns
                ],
            )
        )
    if report.roads:  # context, above the towns' fill and under everything else
        layers.append(
            SvgLayer(
                "roads",
                [SvgFeature(r.geometry, road_paint(r.properties), r.name) for r in report.roads],
            )
        )
    # Polygons first, large ones under small ones; points on top.
    for layer in sorted(
        report.failing, key=lambda layer: style_for(layer.slug)["geometry"] == "Point"
    ):
        style = style_for(layer.slug)
        features = [
            SvgFeature(
                f.geometry,
                failing_paint(style, f.properties, failing),
                f"{label(style)} · {f.code} {f.name}",
            )
            for f in sorted(layer.features, key=lambda f: -f.geometry.area)
        ]
        layers.append(SvgLayer(layer.slug, features))
    layers.append(SvgLayer("county", [SvgFeature(report.outline, COUNTY_OUTLINE)]))
    labels = [
        SvgLabel(
            n["lon"],
            n["lat"],
            n["name"],
            n["kind"],
            n["priority"],
            number=n.get("number", ""),
            edge=road_paint({"grade": n.get("grade")})["stroke_color"],
        )
        for n in report.place_names
        # at a county's scale the county, towns, rivers and the roads drawn
        if n["kind"] != "reservoir" and (n["kind"] != "road" or report.roads)
    ]
    return svg_map(
        layers,
        width=760,
        title=failing_title(report),
        bounds=report.outline.bounds,
        labels=labels,
    )


def report_legend(report: CountyReport) -> list[dict]:
    """Legend rows of the report map as {swatch (SVG), label}."""
    return [
        {
            # Built by svg_map from validated style values; every attribute is escaped there.
            "swatch": mark_safe(  # noqa: S308
                swatch_svg(row.paint, row.geometry, id_prefix=f"legend-{index}")
            ),
            "label": row.label,
        }
        for index, row in enumerate(legend_rows(report))
    ]


class CountyReportDetailView(ReportBaseView):
    """GET /reports/county/?year=YYYY: the scorecard, failing features and a map, printable."""

    template_name = "gisapp/report_county.html"

    def context(self, report: CountyReport, *, for_pdf: bool) -> dict:
        return {
            "report": report,
            "card": report.scorecard,
            "lines": report.lines,
            "sections": report.sections,
            "other_sections": report.other_sections,
            "verdict_text": verdict_label(report.scorecard.get("verdict")),
            "failing": [layer for layer in report.failing if layer.features],
            "map_svg": mark_safe(report_map_svg(report)),  # noqa: S308 - every text escaped in svg_map
            "legend": report_legend(report),
            "generated_at": timezone.localtime(),
            "for_pdf": for_pdf,
        }

    def respond(self, report: CountyReport) -> HttpResponse:
        return render(self.request, self.template_name, self.context(report, for_pdf=False))


class CountyReportPdfView(CountyReportDetailView):
    """GET /reports/county.pdf?year=YYYY: the same report as a PDF download."""

    def respond(self, report: CountyReport) -> HttpResponse:
        html = render_to_string(
            self.template_name, self.context(report, for_pdf=True), request=self.request
        )
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        name = f"{self.file_stem(report)}-compliance-{report.year}.pdf"
        response["Content-Disposition"] = f"attachment; filename={name}"
        return response


class SelfAssessmentDocxView(ReportBaseView):
    """GET /reports/self-assessment.docx?year=YYYY: the county's 自评估报告 as a Word file."""

    suffix, content_type = "docx", DOCX_TYPE

    def render(self, blocks: list) -> bytes:
        return blocks_docx(blocks)

    def respond(self, report: CountyReport) -> HttpResponse:
        registers = register_summary(report.area_id, report.year)
        today = timezone.localdate()
        tasks = TaskBoardState(today, task_board(report.area_id, today))
        body = self.render(self_assessment_blocks(report, registers, tasks))
        response = HttpResponse(body, content_type=self.content_type)
        name = f"{self.file_stem(report)}-self-assessment-{report.year}.{self.suffix}"
        response["Content-Disposition"] = f"attachment; filename={name}"
        return response


class SelfAssessmentPdfView(SelfAssessmentDocxView):
    """GET /reports/self-assessment.pdf?year=YYYY: the same self-assessment as a PDF."""

    suffix, content_type = "pdf", "application/pdf"

    def render(self, blocks: list) -> bytes:
        return blocks_pdf(blocks, get_language() or "zh-hans")


class FailureMapExportView(ReportBaseView):
    """GET /reports/map.html?year=YYYY: the failing features as a standalone offline map."""

    def respond(self, report: CountyReport) -> HttpResponse:
        html = failures_map_html(report)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = standalone_map_csp(html)
        name = f"{self.file_stem(report)}-failures-{report.year}.html"
        response["Content-Disposition"] = f"attachment; filename={name}"
        return response
