"""The quarterly report as a PDF: the sections of presentation.py, and its
bar charts drawn by reportlab.graphics, in the WenQuanYi font shipped in
records/fonts/, so Chinese reads right on a machine with no CJK font."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from committee_site import clock
from records.dossier import FONT_FILE
from reports import presentation

# Registered under names of our own: the dossier registers the same file as its own.
FONT = "ReportWenQuanYi"
MONO = "ReportWenQuanYiMono"
MARGIN = 18 * mm
TEXT_WIDTH = A4[0] - 2 * MARGIN
BLUE = colors.HexColor("#0b3d6e")
GREY = colors.HexColor("#555555")
SERIES = [colors.HexColor("#0d6efd"), colors.HexColor("#fd7e14"), colors.HexColor("#20c997")]

_lock = threading.Lock()
_ready = False


def _register_fonts() -> None:
    global _ready
    with _lock:
        if _ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
        pdfmetrics.registerFont(TTFont(MONO, str(FONT_FILE), subfontIndex=1))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT, boldItalic=FONT)
        _ready = True


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, textColor=BLUE),
        "subtitle": ParagraphStyle("subtitle", parent=base, textColor=GREY),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=4, textColor=BLUE,
            keepWithNext=1,
        ),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "hash": ParagraphStyle("hash", parent=base, fontName=MONO, fontSize=7.5, leading=10),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=GREY),
    }  # fmt: skip


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table(rows: list[list[Any]], widths: list[float], *, header: bool) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dee2e6")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7f1ff")))
    table.setStyle(TableStyle(style))
    return table


def _short(label: str, crowded: bool) -> str:
    """A label slanted under a crowded axis is cut to what fits below it; the
    table above the chart gives it whole."""
    room = 16 if crowded else 40
    width = sum(2 if ord(char) > 0x2E7F else 1 for char in label)
    if width <= room:
        return label
    cut, used = "", 0
    for char in label:
        used += 2 if ord(char) > 0x2E7F else 1
        if used > room - 1:
            break
        cut += char
    return cut + "…"


def _chart(bars: presentation.Bars) -> Drawing:
    crowded = len(bars.labels) > 5
    # Slanted labels need room under the axis.
    below = 62 if crowded else 30
    width, height = TEXT_WIDTH, 60 * mm + (below - 30)
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, bars.title, fontName=FONT, fontSize=10, fillColor=BLUE))
    chart = VerticalBarChart()
    chart.x, chart.y = 48, below
    chart.width, chart.height = width - 58 - (90 if len(bars.series) > 1 else 0), height - below - 28
    chart.data = [tuple(values) or (0,) for _label, values in bars.series]
    chart.categoryAxis.categoryNames = [_short(label, crowded) for label in bars.labels] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7 if crowded else 8
    chart.categoryAxis.labels.boxAnchor = "ne" if crowded else "n"
    chart.categoryAxis.labels.angle = 35 if crowded else 0
    chart.categoryAxis.labels.dy = -2
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max([max(values, default=0) for _label, values in bars.series] or [0])
    if bars.percent:
        chart.valueAxis.valueMax = 100
        chart.valueAxis.valueStep = 20
        chart.valueAxis.labelTextFormat = "%d%%"
    else:
        chart.valueAxis.valueMax = max(int(top) + 1, 4)
        chart.valueAxis.valueStep = max(1, (int(top) + 4) // 4)
    chart.barLabelFormat = "%.1f%%" if bars.percent else "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    for index in range(len(bars.series)):
        chart.bars[index].fillColor = SERIES[index % len(SERIES)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    if len(bars.series) > 1:
        legend = Legend()
        legend.fontName = FONT
        legend.fontSize = 8
        legend.x, legend.y = width - 80, height - 30
        legend.alignment = "right"
        legend.colorNamePairs = [(SERIES[i % len(SERIES)], label) for i, (label, _v) in enumerate(bars.series)]
        drawing.add(legend)
    return drawing


def report_pdf(
    *,
    title: str,
    compound: str,
    period: str,
    figures: dict[str, Any],
    foreword: str,
    head: tuple[int, str],
    approved: str,
    published_at: datetime | None,
) -> bytes:
    """The PDF in the active language."""
    _register_fonts()
    styles = _styles()
    story: list[Any] = [
        _p(title, styles["title"]),
        _p(period, styles["subtitle"]),
    ]
    if approved:
        story.append(_p(approved, styles["subtitle"]))
    if published_at is not None:
        story.append(_p(_("Published %(at)s") % {"at": clock.minute_text(published_at)}, styles["subtitle"]))
    if not figures.get("complete", True):
        story.append(_p(_("The quarter is not over: these figures are provisional."), styles["small"]))
    if foreword.strip():
        story += [_p(_("Foreword"), styles["heading"]), _p(foreword.strip(), styles["body"])]
    for section in presentation.sections(figures):
        block: list[Any] = [_p(section.title, styles["heading"])]
        if section.rows:
            rows = [[_p(label, styles["cell"]), _p(value, styles["cell"])] for label, value in section.rows]
            block.append(_table(rows, [TEXT_WIDTH * 0.6, TEXT_WIDTH * 0.4], header=False))
        if section.table is not None:
            if section.table.rows:
                count = len(section.table.headers)
                first = TEXT_WIDTH * (0.46 if count > 3 else 0.5)
                widths = [first] + [(TEXT_WIDTH - first) / (count - 1)] * (count - 1)
                rows = [[_p(cell, styles["cell"]) for cell in section.table.headers]]
                rows += [[_p(cell, styles["cell"]) for cell in row] for row in section.table.rows]
                block.append(_table(rows, widths, header=True))
            elif section.empty:
                block.append(_p(section.empty, styles["small"]))
        story.append(KeepTogether(block) if len(block) < 4 else block[0])
        if len(block) >= 4:
            story += block[1:]
    story.append(_p(_("Charts"), styles["heading"]))
    for bars in presentation.charts(figures):
        story += [KeepTogether([_chart(bars)]), Spacer(1, 4 * mm)]
    story += [
        _p(_("The archive"), styles["heading"]),
        _p(
            _(
                "When this report was published the compound's archive held %(count)s records; the hash of the "
                "last one is below. With it anyone can check later that no record before it was changed."
            )
            % {"count": head[0]},
            styles["body"],
        ),
        _p(head[1], styles["hash"]),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=compound,
    )
    document.build(story)
    return buffer.getvalue()
